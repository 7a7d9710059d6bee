import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { MAX_DURATION_MS } from '../../src/duration.js'
import { createWTinyLfuPolicy } from '../../src/entries/policies.js'
import {
  CacheClosedError,
  createCache,
  InvalidKeyError,
  InvalidOptionError,
  InvalidTtlError,
  memoryTier,
  redisTier,
  TierCacheError,
  TierError,
  TierTimeoutError,
} from '../../src/index.js'
import { assertValidKey, assertValidPrefix, assertValidTags, isWellFormed } from '../../src/keys.js'
import { keyLayout } from '../../src/tiers/redis/key-layout.js'

function memoryCache(options: { maxTags?: number } = {}) {
  return createCache({ namespace: 'edges', tiers: [memoryTier()], ...options })
}

/** Redis is never reached: nothing listens on port 1, and every case here must fail before connecting. */
const NOWHERE = 'redis://127.0.0.1:1'

describe('TTLs have a documented range: more than 0, at most 10 years', () => {
  test.each([0, '0ms', '0s', 1e300, MAX_DURATION_MS + 1, '11y', -1, Number.NaN, Number.POSITIVE_INFINITY])(
    'set(k, v, { ttl: %s }) is InvalidTtlError and leaves the old value',
    async (ttl) => {
      const cache = memoryCache()
      await cache.set('k', 'v1')
      await expect(cache.set('k', 'v2', { ttl })).rejects.toBeInstanceOf(InvalidTtlError)
      await expect(cache.getOrLoad('other', () => 1, { ttl })).rejects.toBeInstanceOf(InvalidTtlError)
      expect(await cache.get('k')).toBe('v1')
      await cache.close()
    },
  )

  test('a zero TTL fails even after the same string was accepted as a grace period', async () => {
    const cache = memoryCache()
    await cache.set('k', 'v1', { grace: '0s' })
    await expect(cache.set('k', 'v2', { ttl: '0s' })).rejects.toBeInstanceOf(InvalidTtlError)
    await cache.close()
  })

  test('the bounds themselves are accepted', async () => {
    const cache = memoryCache()
    await cache.set('short', 1, { ttl: 1 })
    await cache.set('long', 2, { ttl: '10y' })
    expect(await cache.get('long')).toBe(2)
    await cache.close()
  })

  test('cache, tier and negative TTLs follow the same range', () => {
    for (const ttl of [0, 1e300, '11y']) {
      expect(() => createCache({ tiers: [memoryTier()], ttl })).toThrow(InvalidTtlError)
      expect(() => createCache({ tiers: [memoryTier()], negativeTtl: ttl })).toThrow(InvalidTtlError)
      expect(() => memoryTier({ ttl })).toThrow(InvalidTtlError)
      expect(() => redisTier({ url: NOWHERE, ttl })).toThrow(InvalidTtlError)
    }
    expect(() => createCache({ tiers: [memoryTier()], grace: 1e300 })).toThrow(InvalidTtlError)
  })

  test('property: a per-call TTL outside (0, 10 years] is InvalidTtlError before anything is written', async () => {
    const cache = memoryCache()
    await cache.set('k', 'v1')
    const outside = fc.oneof(
      fc.double({ max: 0, noNaN: true }),
      fc.double({ min: MAX_DURATION_MS + 1, noNaN: true }),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
    )
    await fc.assert(
      fc.asyncProperty(outside, async (ttl) => {
        await expect(cache.set('k', 'v2', { ttl })).rejects.toBeInstanceOf(InvalidTtlError)
      }),
      { numRuns: 200 },
    )
    expect(await cache.get('k')).toBe('v1')
    await fc.assert(
      fc.asyncProperty(
        fc.double({ min: Number.MIN_VALUE, max: MAX_DURATION_MS, noNaN: true }),
        async (ttl) => {
          await cache.set('inside', ttl, { ttl })
        },
      ),
      { numRuns: 200 },
    )
    await cache.close()
  })

  test('timeouts longer than a Node.js timer can wait (about 24.8 days) are InvalidTtlError', async () => {
    expect(() => createCache({ tiers: [memoryTier()], load: { hardTimeout: '30d' } })).toThrow(
      InvalidTtlError,
    )
    expect(() => createCache({ tiers: [memoryTier()], load: { softTimeout: '30d' } })).toThrow(
      InvalidTtlError,
    )
    expect(() => redisTier({ url: NOWHERE, timeout: '30d' })).toThrow(InvalidTtlError)
    const cache = memoryCache()
    await expect(cache.getOrLoad('k', () => 1, { hardTimeout: '30d' })).rejects.toBeInstanceOf(
      InvalidTtlError,
    )
    // The same string is fine where no timer waits for it, and a timer-sized timeout is fine too.
    await cache.set('k', 1, { ttl: '30d' })
    await expect(cache.getOrLoad('j', () => 2, { hardTimeout: '24d' })).resolves.toBe(2)
    await expect(cache.ready({ timeout: '30d' })).rejects.toBeInstanceOf(InvalidTtlError)
    await cache.close()
  })

  test('ready() checks its timeout before anything else', async () => {
    const cache = memoryCache()
    await expect(cache.ready({ timeout: 'abc' })).rejects.toBeInstanceOf(InvalidTtlError)
    await expect(cache.ready({ timeout: -5 })).rejects.toBeInstanceOf(InvalidTtlError)
    await expect(cache.ready({ timeout: '1s' })).resolves.toBe(true)
    await cache.close()
  })
})

describe('keys never alias', () => {
  test('lone surrogates are InvalidKeyError in every operation (they would all reach Redis as U+FFFD)', async () => {
    const cache = memoryCache()
    for (const key of ['\ud800', '\udc00', 'a\ud800b', 'x\udfff']) {
      await expect(cache.get(key)).rejects.toBeInstanceOf(InvalidKeyError)
      await expect(cache.getOrLoad(key, () => 1)).rejects.toBeInstanceOf(InvalidKeyError)
      await expect(cache.getOrLoad(key, () => 1, { ttl: '1m' })).rejects.toBeInstanceOf(InvalidKeyError)
      await expect(cache.set(key, 1)).rejects.toBeInstanceOf(InvalidKeyError)
      await expect(cache.has(key)).rejects.toBeInstanceOf(InvalidKeyError)
      await expect(cache.delete(key)).rejects.toBeInstanceOf(InvalidKeyError)
      await expect(cache.getMany(['ok', key])).rejects.toBeInstanceOf(InvalidKeyError)
      await expect(cache.set('ok', 1, { tags: [key] })).rejects.toBeInstanceOf(InvalidOptionError)
    }
    // A well-formed pair is fine.
    await cache.set('\ud83d\ude00', 'smile')
    expect(await cache.get('\ud83d\ude00')).toBe('smile')
    await cache.close()
  })

  test('prefixes that could make two namespaces meet are InvalidOptionError at redisTier()', () => {
    // 'nest:' + 'a' + ':b:k' and 'nest:a:' + 'b' + ':k' would both be 'nest:a:b:k'.
    for (const prefix of ['nest:a:', 'nest', '', 'a:b:', ':a:', 'x\ud800:'])
      expect(() => redisTier({ url: NOWHERE, prefix })).toThrow(InvalidOptionError)
    expect(() => redisTier({ url: NOWHERE, name: 'a:b' })).toThrow(/prefix/)
    for (const prefix of ['nest:', 'hot:', 'local@eu-west:', 'a#b{c}:'])
      expect(() => redisTier({ url: NOWHERE, prefix })).not.toThrow()
  })

  test('property: distinct valid (prefix, namespace, key) triples never share a Redis key', () => {
    // Small alphabets, so that near-collisions (extra ':' and '#', surrogate halves) come up often.
    const text = (units: string[], minLength: number, maxLength: number) =>
      fc.string({ unit: fc.constantFrom(...units), minLength, maxLength })
    // Mostly valid prefixes (a stem and one ':'), some with more colons, which must be rejected.
    const prefix = fc.oneof(
      { weight: 4, arbitrary: text(['a', 'b', '#', '@', '{'], 1, 3).map((stem) => `${stem}:`) },
      { weight: 1, arbitrary: text(['a', 'b', ':', '#'], 0, 5) },
    )
    const namespace = fc.constantFrom('a', 'b', 'ab', 'a.b', 'a-b')
    const key = fc.oneof(
      { weight: 4, arbitrary: text(['a', 'b', ':', '#', '}', '{', 'é', '\ud83d\ude00'], 1, 6) },
      { weight: 1, arbitrary: text(['a', ':', '\ud800', '\udc00'], 1, 4) },
    )
    const triple = fc.tuple(prefix, namespace, key)
    const valid = ([p, , k]: [string, string, string]) => {
      try {
        assertValidPrefix(p, 'prefix')
        assertValidKey(k, 1024)
        return true
      } catch (error) {
        expect(error).toBeInstanceOf(TierCacheError)
        return false
      }
    }
    fc.assert(
      fc.property(triple, triple, fc.constantFrom('standalone', 'cluster'), (one, two, topology) => {
        fc.pre(valid(one) && valid(two))
        const redisKeys = ([p, n, k]: [string, string, string]) => {
          const layout = keyLayout(p, n, topology as 'standalone' | 'cluster')
          return [layout.entry(k), layout.lease(k), layout.awaited(k), layout.tag(k), layout.clock]
        }
        const same = one.every((part, i) => part === two[i])
        const bytes = (keys: string[]) => keys.map((k) => Buffer.from(k, 'utf8').toString('hex'))
        const [first, second] = [bytes(redisKeys(one)), bytes(redisKeys(two))]
        if (same) return
        // The entry key of one triple is none of the other's keys, of any kind.
        expect(second).not.toContain(first[0])
        expect(first).not.toContain(second[0])
      }),
      { numRuns: 5000 },
    )
    // Stronger: the triple can be read back from its entry key, so no other triple has that key.
    fc.assert(
      fc.property(triple, ([p, n, k]) => {
        fc.pre(valid([p, n, k]))
        const entry = keyLayout(p, n, 'standalone').entry(k)
        const prefixEnd = entry.indexOf(':') + 1
        const namespaceEnd = entry.indexOf(':', prefixEnd)
        expect([
          entry.slice(0, prefixEnd),
          entry.slice(prefixEnd, namespaceEnd),
          entry.slice(namespaceEnd + 1),
        ]).toEqual([p, n, k])
      }),
      { numRuns: 2000 },
    )
  })

  test('property: ill-formed UTF-16 keys are InvalidKeyError; well-formed ones are valid', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }), (key) => {
        if (isWellFormed(key)) expect(() => assertValidKey(key, 1024)).not.toThrow()
        else expect(() => assertValidKey(key, 1024)).toThrow(InvalidKeyError)
      }),
    )
    fc.assert(
      fc.property(
        fc.string({ minLength: 0, maxLength: 5 }),
        fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff'),
        fc.string({ minLength: 0, maxLength: 5 }),
        (before, lone, after) => {
          fc.pre(!/[\udc00-\udfff]/.test(after.slice(0, 1)) && !/[\ud800-\udbff]$/.test(before))
          expect(() => assertValidKey(before + lone + after, 1024)).toThrow(InvalidKeyError)
        },
      ),
    )
  })
})

describe('limits and errors are typed', () => {
  test('an entry carries at most maxTags tags (default 64): more is InvalidOptionError, not a RangeError', async () => {
    const cache = memoryCache()
    const tags = Array.from({ length: 70_000 }, (_, i) => `t${i}`)
    await expect(cache.set('k', 1, { tags })).rejects.toBeInstanceOf(InvalidOptionError)
    await expect(cache.getOrLoad('k', () => 1, { tags })).rejects.toBeInstanceOf(InvalidOptionError)
    await expect(cache.set('k', 1, { tags: tags.slice(0, 65) })).rejects.toThrow(/at most 64 tags/)
    await cache.set('k', 1, { tags: tags.slice(0, 64) })
    // Repeats count once.
    await cache.set('k', 1, { tags: [...tags.slice(0, 64), ...tags.slice(0, 64)] })
    await cache.close()
    const wide = memoryCache({ maxTags: 1000 })
    await wide.set('k', 1, { tags: tags.slice(0, 1000) })
    await wide.close()
    for (const maxTags of [0, -1, 1.5, 65_536, Number.NaN])
      expect(() => memoryCache({ maxTags })).toThrow(InvalidOptionError)
  })

  test('assertValidTags bounds the count only when asked', () => {
    expect(() => assertValidTags(['a', 'b'], 10)).not.toThrow()
    expect(() => assertValidTags(['a', 'b', 'c'], 10, 2)).toThrow(InvalidOptionError)
  })

  test('createWTinyLfuPolicy rejects bad options with InvalidOptionError', () => {
    expect(() => createWTinyLfuPolicy({ windowShare: 2 })).toThrow(InvalidOptionError)
    expect(() => createWTinyLfuPolicy({ adaptation: 'sometimes' as never })).toThrow(InvalidOptionError)
  })

  test('TierTimeoutError and TierError are exported TierCacheErrors with stable codes', () => {
    const timeout = new TierTimeoutError('hot', 'read', 20)
    expect(timeout).toBeInstanceOf(TierCacheError)
    expect(timeout).toMatchObject({ code: 'ERR_TIER_TIMEOUT', tier: 'hot', operation: 'read', timeoutMs: 20 })
    expect(timeout.name).toBe('TierTimeoutError')
    const cause = new Error('ECONNREFUSED')
    const failed = new TierError('hot', 'connect', cause)
    expect(failed).toBeInstanceOf(TierCacheError)
    expect(failed).toMatchObject({ code: 'ERR_TIER_FAILED', tier: 'hot', operation: 'connect', cause })
  })

  test('property: any options object either builds a cache or throws a TierCacheError, before any I/O', async () => {
    const duration = fc.oneof(
      fc.double(),
      fc.integer(),
      fc.constantFrom('1s', '0s', 'abc', '', '-1m', '10y', '11y'),
      fc.constant(undefined),
    )
    const options = fc.record(
      {
        namespace: fc.oneof(fc.constantFrom('ok', 'a:b', '', 'x'.repeat(65)), fc.string()),
        ttl: duration,
        negativeTtl: duration,
        grace: duration,
        tombstoneTtl: duration,
        tagTtl: duration,
        jitter: fc.oneof(fc.double(), fc.constant(undefined)),
        maxKeyBytes: fc.oneof(fc.integer(), fc.constant(undefined)),
        maxTags: fc.oneof(fc.integer(), fc.double(), fc.constant(undefined)),
        prefix: fc.oneof(fc.constantFrom('hot:', 'a:b:', ''), fc.string()),
      },
      { requiredKeys: [] },
    )
    await fc.assert(
      fc.asyncProperty(options, async ({ prefix, ...rest }) => {
        let cache: ReturnType<typeof createCache> | undefined
        try {
          cache = createCache({
            ...(rest as object),
            tiers: [memoryTier(), redisTier({ url: NOWHERE, prefix, breaker: false })],
          })
        } catch (error) {
          expect(error).toBeInstanceOf(TierCacheError)
          return
        }
        await cache.close()
        await expect(cache.get('k')).rejects.toBeInstanceOf(CacheClosedError)
      }),
      { numRuns: 150 },
    )
  })
})
