import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { MAX_DURATION_MS, toMilliseconds } from '../../src/duration.js'
import {
  createCache,
  InvalidKeyError,
  InvalidOptionError,
  InvalidTtlError,
  memoryTier,
  UnencodableValueError,
} from '../../src/index.js'
import { isWellFormed } from '../../src/keys.js'

function memoryCache() {
  return createCache({ namespace: 'validation', tiers: [memoryTier()] })
}

describe('keys', () => {
  test('non-strings, empty and over-long keys are rejected with InvalidKeyError, before any loader runs', async () => {
    const cache = memoryCache()
    let loaderCalls = 0
    const loader = () => {
      loaderCalls++
      return 1
    }
    for (const bad of [undefined, null, 42, {}, [], Symbol('k'), '', 'x'.repeat(1025)]) {
      await expect(cache.getOrLoad(bad as string, loader)).rejects.toBeInstanceOf(InvalidKeyError)
      await expect(cache.get(bad as string)).rejects.toMatchObject({ code: 'ERR_INVALID_KEY' })
      await expect(cache.set(bad as string, 1)).rejects.toBeInstanceOf(InvalidKeyError)
      await expect(cache.delete(bad as string)).rejects.toBeInstanceOf(InvalidKeyError)
    }
    expect(loaderCalls).toBe(0)
    await cache.close()
  })

  test('the byte limit counts UTF-8 bytes, not characters', async () => {
    const cache = createCache({ namespace: 'validation', tiers: [memoryTier()], maxKeyBytes: 12 })
    await expect(cache.set('ééééé', 1)).resolves.toBeUndefined() // 10 bytes
    await expect(cache.set('éééééé€', 1)).rejects.toThrow(/15 bytes; the limit is 12/)
    await cache.close()
  })

  test('property: any non-empty, well-formed string within the limit is a valid key and round-trips', async () => {
    const cache = memoryCache()
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 200, unit: 'binary' }),
        fc.jsonValue(),
        async (key, value) => {
          fc.pre(Buffer.byteLength(key) <= 1024 && value !== undefined && isWellFormed(key))
          await cache.set(key, value)
          expect(await cache.get(key)).toEqual(value)
        },
      ),
      { numRuns: 200 },
    )
    await cache.close()
  })
})

describe('TTLs', () => {
  test.each([
    [-1, /non-negative/],
    [Number.NaN, /non-negative/],
    [Number.POSITIVE_INFINITY, /finite/],
    ['soon', /not a duration/],
    ['', /not a duration/],
    ['-5s', /not a duration/],
  ])('%s is rejected with InvalidTtlError', async (ttl, message) => {
    const cache = memoryCache()
    await cache.set('k', 'original')
    await expect(cache.set('k', 'replacement', { ttl })).rejects.toThrow(message)
    await expect(cache.getOrLoad('other', () => 1, { ttl })).rejects.toBeInstanceOf(InvalidTtlError)
    expect(await cache.get('k')).toBe('original')
    await cache.close()
  })

  test('strings and milliseconds are both accepted', () => {
    expect(toMilliseconds('30s', 'ttl')).toBe(30_000)
    expect(toMilliseconds('24h', 'ttl')).toBe(86_400_000)
    expect(toMilliseconds('250ms', 'ttl')).toBe(250)
    expect(toMilliseconds(1500, 'ttl')).toBe(1500)
  })

  test('property: every finite non-negative number is a valid TTL; every negative one is not', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: MAX_DURATION_MS, noNaN: true }),
        (ms) => toMilliseconds(ms, 'ttl') >= ms,
      ),
    )
    fc.assert(
      fc.property(fc.double({ max: -Number.MIN_VALUE, noNaN: true }), (ms) => {
        expect(() => toMilliseconds(ms, 'ttl')).toThrow(InvalidTtlError)
      }),
    )
  })
})

describe('values', () => {
  test.each([
    ['a function', () => 1],
    ['an object holding a function', { f() {} }],
    ['a symbol', Symbol('s')],
  ])(
    '%s cannot be encoded: UnencodableValueError, and the cached value is untouched',
    async (_name, value) => {
      const cache = memoryCache()
      await cache.set('k', { safe: true })
      await expect(cache.set('k', value)).rejects.toBeInstanceOf(UnencodableValueError)
      expect(await cache.get('k')).toEqual({ safe: true })
      await cache.close()
    },
  )

  test('with the JSON serializer, cycles, Maps, BigInts and dropped members are rejected', async () => {
    const cache = createCache({ namespace: 'json', tiers: [memoryTier()], serializer: 'json' })
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    for (const value of [cyclic, new Map([[1, 2]]), { n: 1n }, { u: undefined }, { f: () => 1 }]) {
      await expect(cache.set('k', value)).rejects.toMatchObject({ code: 'ERR_UNENCODABLE_VALUE' })
    }
    expect(await cache.has('k')).toBe(false)
    await cache.close()
  })

  test('undefined cannot be set', async () => {
    const cache = memoryCache()
    await expect(cache.set('k', undefined)).rejects.toBeInstanceOf(InvalidOptionError)
    await cache.close()
  })
})

describe('configuration', () => {
  test('bad options fail at construction with InvalidOptionError', () => {
    expect(() => createCache({ tiers: [] })).toThrow(InvalidOptionError)
    expect(() => createCache({ tiers: [memoryTier(), memoryTier()] })).toThrow(/two tiers are named "memory"/)
    expect(() => createCache({ tiers: [memoryTier()], namespace: 'a:b' })).toThrow(/namespace/)
    expect(() => createCache({ tiers: [memoryTier()], namespace: 'shop*' })).toThrow(/namespace/)
    expect(() => createCache({ tiers: [memoryTier()], jitter: 2 })).toThrow(/jitter/)
    expect(() => createCache({ tiers: [memoryTier()], ttl: -1 })).toThrow(InvalidTtlError)
    expect(() => createCache({ tiers: [memoryTier()], coordinator: 'nope' })).toThrow(/coordinator/)
    expect(() => memoryTier({ maxEntries: 0 })).toThrow(/maxEntries/)
    expect(() => memoryTier({ maxBytes: 'lots' })).toThrow(/maxBytes/)
  })
})
