import v8 from 'node:v8'
import zlib from 'node:zlib'
import fc from 'fast-check'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { type Compressor, createCompressor } from '../../src/codec/compression.js'
import { decodeEntry, encodeEntry } from '../../src/codec/entry-codec.js'
import { jsonSerializer, type Serializer, v8Serializer } from '../../src/codec/serializer.js'
import type { ValueProtection } from '../../src/entries/types.js'
import { type Entry, VERSION_LEAD_LIMIT_US } from '../../src/entry.js'
import { type CacheOptions, createCache, memoryTier, redisTier, type TierCache } from '../../src/index.js'
import { closeClients, nodeRedis } from '../support/fixtures.js'
import { type RedisServer, startRedis } from '../support/redis-server.js'

/*
 * Everything a cache reads back from Redis is untrusted: these tests write hostile bytes under the
 * cache's own keys with a raw client (entries made with the codec, then tampered with) and check what
 * callers see. Where the bytes cannot be decoded within the limits, the read is a counted decode
 * error, the loader's value is served, and its fill repairs the key. Elapsed-time bounds are generous
 * (a read that walked the declared length took more than 20 s here); they only catch unbounded work.
 */

let redis: RedisServer

beforeAll(async () => {
  redis = await startRedis()
})
afterEach(async () => {
  await closeClients()
  await redis.command('FLUSHALL')
})
afterAll(async () => {
  await redis?.stop()
})

const caches: TierCache[] = []
afterEach(async () => {
  await Promise.all(caches.splice(0).map((cache) => cache.close()))
})

async function makeCache(options: Partial<CacheOptions> & { protection?: ValueProtection } = {}) {
  const { protection, ...rest } = options
  const client = await nodeRedis(redis)
  const cache = createCache({
    namespace: 'hostile',
    tiers: [memoryTier({ protection }), redisTier({ name: 'r', client })],
    sync: { bus: false },
    ...rest,
  })
  caches.push(cache)
  return cache
}

/** The Redis key of a cache key (redisTier "r", namespace "hostile"). */
const redisKey = (key: string) => `r:hostile:${key}`

function freshEntry(): Entry {
  const now = Date.now()
  return {
    value: undefined,
    version: 1,
    createdAt: now,
    freshUntil: now + 60_000,
    staleUntil: now + 60_000,
    tags: [],
    tombstone: false,
  }
}

/**
 * Writes `payload` (a serialized value) as a fresh entry under `key` (with no TTL), optionally as if
 * compressed, or with another version in its header.
 */
async function plant(
  key: string,
  payload: Uint8Array,
  {
    serializer = v8Serializer,
    compressed,
    version,
  }: { serializer?: Serializer; compressed?: Uint8Array; version?: number } = {},
): Promise<void> {
  const compressor: Compressor | undefined = compressed
    ? { threshold: 0, compress: () => compressed }
    : undefined
  const entry = version === undefined ? freshEntry() : { ...freshEntry(), version }
  const bytes = encodeEntry(entry, payload, serializer.id, compressor)
  const client = await nodeRedis(redis)
  await client.set(redisKey(key), bytes)
}

/** The entry under `key` now: its value, or 'tombstone', or why it does not decode. */
async function stored(key: string): Promise<unknown> {
  const client = await nodeRedis(redis)
  const raw = await client.sendCommand(['GET', redisKey(key)], { typeMapping: { 36: Buffer } })
  const decoded = decodeEntry(raw as unknown as Buffer, new Map([[1, v8Serializer]]))
  if (!decoded.ok) return `undecodable: ${decoded.reason}`
  return decoded.entry.tombstone ? 'tombstone' : decoded.entry.value
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now()
  const value = await work()
  return { value, ms: performance.now() - started }
}

describe('a sparse array declaring a huge length', () => {
  const hugeSparse = v8.serialize(Object.assign([], { length: 2 ** 32 - 1 }))

  test.each(['freeze', 'clone'] as const)(
    'protection %s: every read costs what the array holds, not its length',
    async (protection) => {
      expect(hugeSparse.byteLength).toBeLessThan(64)
      const cache = await makeCache({ protection })
      await plant('sparse', hugeSparse)
      const reads = await timed(async () => {
        const values: unknown[] = []
        values.push(await cache.getOrLoad('sparse', () => 'loader'))
        values.push(await cache.get('sparse')) // a memory hit now
        values.push(...(await cache.getMany(['sparse'])))
        return values
      })
      for (const value of reads.value) {
        expect(Array.isArray(value)).toBe(true)
        expect((value as unknown[]).length).toBe(2 ** 32 - 1)
        expect(Object.keys(value as unknown[])).toEqual([])
      }
      expect(reads.ms).toBeLessThan(5000)
      expect(cache.stats().loads).toBe(0)
    },
    60_000,
  )
})

describe('decompression bombs', () => {
  test('a payload inflating past maxValueBytes stops inflating: a counted decode error, the loader value, the key repaired', async () => {
    const cache = await makeCache({ maxValueBytes: '1mb' })
    const reasons: string[] = []
    cache.on('decodeError', ({ reason }) => reasons.push(reason))
    // 64 MB of zeros behind the JSON mark: about 64 KB compressed.
    const inflated = Buffer.alloc(64 * 1024 * 1024)
    const bomb = zlib.deflateRawSync(inflated, { level: 9 })
    expect(bomb.byteLength).toBeLessThan(128 * 1024)
    await plant('bomb', inflated.subarray(0, 16), { compressed: bomb })

    const before = process.memoryUsage().rss
    const read = await timed(() => cache.getOrLoad('bomb', () => ({ from: 'loader' })))
    expect(read.value).toEqual({ from: 'loader' })
    // Counted on each read of the key: the lease request finds the entry there and reads it again.
    expect(cache.stats().tiers[1]?.decodeErrors).toBeGreaterThanOrEqual(1)
    expect(new Set(reasons)).toEqual(new Set(['value inflates past maxValueBytes (1048576)']))
    // Inflating the whole bomb would hold 64 MB; stopping at the limit holds about 1 MB.
    expect(process.memoryUsage().rss - before).toBeLessThan(48 * 1024 * 1024)
    expect(read.ms).toBeLessThan(5000)

    await cache.idle()
    expect(await stored('bomb')).toEqual({ from: 'loader' })
  })

  test('the default limit (16 MB) applies without any option; raw payloads over it are refused too', async () => {
    const cache = await makeCache()
    const reasons = new Set<string>()
    cache.on('decodeError', ({ reason }) => reasons.add(reason))
    const bomb = zlib.deflateRawSync(Buffer.alloc(17 * 1024 * 1024))
    await plant('bomb', Buffer.alloc(16), { compressed: bomb })
    expect(await cache.getOrLoad('bomb', () => 'loader')).toBe('loader')
    expect(reasons).toEqual(new Set(['value inflates past maxValueBytes (16777216)']))
    const small = await makeCache({ maxValueBytes: 1000, namespace: 'hostile' })
    await plant('raw', v8Serializer.serialize('x'.repeat(2000)))
    expect(await small.getOrLoad('raw', () => 'loader')).toBe('loader')
    expect(cache.stats().tiers[1]?.decodeErrors).toBeGreaterThanOrEqual(1)
    expect(small.stats().tiers[1]?.decodeErrors).toBeGreaterThanOrEqual(1)
  })

  test('a value over maxValueBytes is refused when written, with UnencodableValueError', async () => {
    const cache = await makeCache({ maxValueBytes: 1000 })
    await expect(cache.set('big', 'x'.repeat(2000))).rejects.toMatchObject({
      code: 'ERR_UNENCODABLE_VALUE',
      message: expect.stringMatching(/over maxValueBytes \(1000\)/),
    })
    await expect(cache.getOrLoad('big', () => 'x'.repeat(2000))).rejects.toMatchObject({
      code: 'ERR_UNENCODABLE_VALUE',
    })
    expect(await cache.has('big')).toBe(false)
  })

  test('maxValueBytes is validated', () => {
    expect(() => createCache({ tiers: [memoryTier()], maxValueBytes: 'lots' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    )
  })
})

describe('deep nesting', () => {
  const depth = 200_000
  const deepJson = `${'['.repeat(depth)}${']'.repeat(depth)}`

  function depthOf(value: unknown): number {
    let levels = 0
    let current = value
    while (Array.isArray(current)) {
      levels++
      current = current[0]
    }
    return levels
  }

  test.each([
    ['v8', 'freeze'],
    ['v8', 'clone'],
    ['json', 'freeze'],
    ['json', 'clone'],
  ] as const)(
    'a 200,000-deep value (serializer %s, protection %s) is read like any other: no RangeError',
    async (name, protection) => {
      const cache = await makeCache({ protection, serializer: name })
      const serializer = name === 'json' ? jsonSerializer : v8Serializer
      // The default serializer stores JSON-representable values as JSON after a 0x00 byte.
      const payload = Buffer.from(name === 'v8' ? `\u0000${deepJson}` : deepJson)
      expect(payload.byteLength).toBeLessThan(410_000)
      await plant('deep', payload, { serializer })
      let loads = 0
      const first = await cache.getOrLoad('deep', () => {
        loads++
        return 'loader'
      })
      expect(depthOf(first)).toBe(depth)
      expect(depthOf(await cache.get('deep'))).toBe(depth) // from memory now
      expect(depthOf((await cache.getMany(['deep']))[0])).toBe(depth)
      expect(loads).toBe(0)
    },
    60_000,
  )
})

describe('deep nesting in the v8 format', () => {
  test('a payload too deep for the v8 deserializer is a counted decode error: the loader value, the key repaired', async () => {
    const cache = await makeCache()
    const depth = 200_000
    // v8 wire format: header, then `depth` dense arrays of one element around a null.
    const deep = Buffer.concat([
      Buffer.from([0xff, 0x0f]),
      Buffer.from('A\x01'.repeat(depth), 'latin1'),
      Buffer.from('0', 'latin1'),
      Buffer.from('$\x00\x01'.repeat(depth), 'latin1'),
    ])
    await plant('deep', deep)
    expect(await cache.getOrLoad('deep', () => 'loader')).toBe('loader')
    expect(cache.stats().tiers[1]?.decodeErrors).toBeGreaterThanOrEqual(1)
    await cache.idle()
    expect(await stored('deep')).toBe('loader')
  })
})

describe('own "__proto__" keys', () => {
  function expectPlain(value: unknown): void {
    const record = value as Record<string, unknown>
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype)
    expect(record.isAdmin).toBeUndefined()
    expect(Object.hasOwn(record, '__proto__')).toBe(true)
    expect(Object.getOwnPropertyDescriptor(record, '__proto__')?.value).toEqual({ isAdmin: true })
  }

  test.each(['clone', 'freeze', 'none'] as const)(
    'stay plain data under protection %s, with or without binary members',
    async (protection) => {
      const cache = await makeCache({ protection })
      await plant('json', v8Serializer.serialize(JSON.parse('{"__proto__": {"isAdmin": true}}')))
      const withBuffer = JSON.parse('{"__proto__": {"isAdmin": true}}')
      withBuffer.thumbnail = Buffer.from('png')
      await plant('binary', v8.serialize(withBuffer))
      for (const key of ['json', 'binary']) {
        expectPlain(await cache.getOrLoad(key, () => ({})))
        expectPlain(await cache.get(key)) // from memory now
        expectPlain((await cache.getMany([key]))[0])
      }
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined()
    },
  )

  test('property: no read path of either serializer pollutes Object.prototype or substitutes a prototype', async () => {
    const dangerous = fc.constantFrom('__proto__', 'constructor', 'prototype', 'isAdmin', 'toString', 'a')
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof(
        { depthSize: 'small' },
        fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.boolean(), fc.constant(null)),
        fc.array(tie('tree'), { maxLength: 3 }),
        fc
          .array(fc.tuple(dangerous, tie('tree')), { maxLength: 4 })
          .map((members) => new JsonText(objectText(members))),
      ),
    }))
    const caches = new Map<string, TierCache>()
    for (const serializer of ['v8', 'json'] as const) {
      for (const protection of ['freeze', 'clone', 'none'] as const) {
        caches.set(`${serializer}/${protection}`, await makeCache({ serializer, protection }))
      }
    }
    let run = 0
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(dangerous, tree), { minLength: 1, maxLength: 4 }).map(objectText),
        fc.constantFrom(...caches.keys()),
        fc.constantFrom('get', 'getOrLoad', 'getMany'),
        fc.boolean(),
        async (text, which, path, withBinary) => {
          const [serializerName] = which.split('/')
          const cache = caches.get(which) as TierCache
          const key = `p${run++}`
          const value = JSON.parse(text as string)
          if (serializerName === 'json') {
            await plant(key, jsonSerializer.serialize(value), { serializer: jsonSerializer })
          } else if (withBinary) {
            value.binary = new Uint8Array([1, 2])
            await plant(key, v8.serialize(value))
          } else {
            await plant(key, v8Serializer.serialize(value))
          }
          for (let read = 0; read < 2; read++) {
            const got =
              path === 'get'
                ? await cache.get(key)
                : path === 'getOrLoad'
                  ? await cache.getOrLoad(key, () => 'loader')
                  : (await cache.getMany([key]))[0]
            expect(Object.getPrototypeOf(got)).toBe(Object.prototype)
            expect(Object.keys(got as object)).toEqual(Object.keys(value))
            expect(got).toEqual(value)
          }
          expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeNames)
          expect(({} as Record<string, unknown>).isAdmin).toBeUndefined()
        },
      ),
      { numRuns: 60 },
    )
  }, 120_000)
})

const prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort()

/** JSON text made by hand (JSON.stringify cannot write an own "__proto__" key). */
class JsonText {
  constructor(readonly text: string) {}
}

/** JSON text of an object with these members (keys may repeat: the last one wins, as in JSON.parse). */
function objectText(members: readonly (readonly [string, unknown])[]): string {
  const toText = (value: unknown): string => (value instanceof JsonText ? value.text : JSON.stringify(value))
  return `{${members.map(([key, value]) => `${JSON.stringify(key)}:${toText(value)}`).join(',')}}`
}

describe('a well-formed entry whose version no tier issues', () => {
  // Versions are Redis TIME in µs: these would outrank every write for decades, or forever.
  const forgedVersions = [
    ['1e300', 1e300],
    ['2^53 - 1', Number.MAX_SAFE_INTEGER],
    ['two days ahead of the clock', Date.now() * 1000 + 2 * VERSION_LEAD_LIMIT_US],
  ] as const

  test.each(forgedVersions)(
    'version %s: readers see a counted decode error, and a load, a set and a delete each replace it',
    async (_, version) => {
      const forged = v8Serializer.serialize('forged')
      const cache = await makeCache()
      const reasons: string[] = []
      cache.on('decodeError', ({ reason }) => reasons.push(reason))

      await plant('k', forged, { version })
      expect(await cache.getOrLoad('k', () => 'loaded')).toBe('loaded')
      expect(reasons.length).toBeGreaterThanOrEqual(1)
      expect(reasons.every((reason) => reason.includes('version'))).toBe(true)
      await cache.idle()
      expect(await stored('k')).toBe('loaded')

      await plant('k', forged, { version })
      await cache.set('k', 'set')
      expect(await stored('k')).toBe('set')

      await plant('k', forged, { version })
      await cache.delete('k')
      expect(await stored('k')).toBe('tombstone')
      const reader = await makeCache()
      expect(await reader.get('k')).toBeUndefined()
    },
  )

  test.each(forgedVersions)(
    'a clock key of %s is passed over: versions stay plausible and writes keep landing',
    async (_, version) => {
      const cache = await makeCache()
      await redis.command('SET', 'r:hostile#clock', String(version))
      await cache.set('k', 'first')
      expect(await stored('k')).toBe('first')
      await cache.set('k', 'second')
      expect(await stored('k')).toBe('second')
      expect(await (await makeCache()).getOrLoad('k', () => 'loaded')).toBe('second')
    },
  )

  test('a version an hour ahead (clock skew between hosts) is still honoured', async () => {
    const cache = await makeCache()
    const ahead = Date.now() * 1000 + VERSION_LEAD_LIMIT_US / 24
    await plant('k', v8Serializer.serialize('newer'), { version: ahead })
    expect(await cache.getOrLoad('k', () => 'loaded')).toBe('newer')
    // A set now gets a version below it (the clock key is behind the entry), so the entry stays.
    await cache.set('k', 'older')
    expect(await stored('k')).toBe('newer')
  })
})

describe('values read from Redis', () => {
  test.each(['clone', 'freeze'] as const)(
    'protection %s: the caller of a Redis hit does not hold the object the memory tier keeps',
    async (protection) => {
      const cache = await makeCache({ protection })
      const original = () => ({ list: [1], bin: Buffer.from([1]) })
      await plant('k', v8Serializer.serialize(original()))
      const first = (await cache.getOrLoad('k', original)) as ReturnType<typeof original>
      try {
        first.list.push(2)
      } catch {
        // frozen
      }
      first.bin[0] = 9
      expect(await cache.get('k')).toEqual(original()) // a memory hit now
    },
  )
})

describe('binary values', () => {
  test('own exactly their bytes: no view onto the Redis reply and its other values', async () => {
    const cache = await makeCache()
    await plant('secret', v8Serializer.serialize(Buffer.from('other key: top secret value')))
    await plant('mine', v8Serializer.serialize(new Uint8Array([1, 2, 3, 4])))
    await plant('buffer', v8Serializer.serialize(Buffer.from([9, 8, 7])))
    await plant('mixed', v8Serializer.serialize({ view: new DataView(new ArrayBuffer(6), 1, 4) }))
    // One MGET: all four values arrive in one reply buffer.
    const [secret, mine, buffer, mixed] = await cache.getMany(['secret', 'mine', 'buffer', 'mixed'])
    const check = (value: unknown, length: number) => {
      const view = value as ArrayBufferView
      expect(view.byteLength).toBe(length)
      expect(view.byteOffset).toBe(0)
      expect(view.buffer.byteLength).toBe(length)
    }
    check(secret, 27)
    check(mine, 4)
    expect(mine).toBeInstanceOf(Uint8Array)
    check(buffer, 3)
    expect(Buffer.isBuffer(buffer)).toBe(true)
    check((mixed as { view: DataView }).view, 4)
    // Memory hits clone values holding binary data on every read: the copies own their bytes too.
    for (const key of ['mine', 'buffer']) {
      const again = await cache.get(key)
      check(again, key === 'mine' ? 4 : 3)
    }
    expect(Buffer.isBuffer(await cache.get('buffer'))).toBe(true)
  })

  test('compressed binary values own their bytes as well', async () => {
    const cache = await makeCache()
    const payload = v8Serializer.serialize(Buffer.alloc(4096, 1))
    const compressed = createCompressor({ threshold: 0 }).compress(payload) as Uint8Array
    await plant('packed', payload, { compressed })
    const value = (await cache.get('packed')) as Buffer
    expect(value.byteLength).toBe(4096)
    expect(value.buffer.byteLength).toBe(4096)
  })
})
