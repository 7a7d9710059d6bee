import v8 from 'node:v8'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { createCompressor } from '../../src/codec/compression.js'
import { decodeEntry, encodeEntry, entryVersion, HEADER_BYTES } from '../../src/codec/entry-codec.js'
import { jsonSerializer, v8Serializer } from '../../src/codec/serializer.js'
import { type Entry, VERSION_LEAD_LIMIT_US } from '../../src/entry.js'

const serializers = new Map([
  [v8Serializer.id, v8Serializer],
  [jsonSerializer.id, jsonSerializer],
])

function entryOf(value: unknown, tags: string[] = []): Entry {
  return {
    value,
    version: 1_732_000_000_000_123,
    createdAt: 1000,
    freshUntil: 2000,
    staleUntil: 3000,
    tags,
    tombstone: false,
  }
}

describe('entry encoding', () => {
  test('round-trips value, version, times and tags; the version sits at byte 4 for Lua', () => {
    const entry = entryOf({ name: 'lamp', price: 12.5 }, ['category:7', 'brand:é'])
    const bytes = encodeEntry(entry, v8Serializer.serialize(entry.value), v8Serializer.id)
    expect(bytes.readDoubleBE(4)).toBe(entry.version)
    const decoded = decodeEntry(bytes, serializers)
    expect(decoded).toMatchObject({ ok: true, entry })
  })

  test('tombstones carry no value and no serializer', () => {
    const tombstone: Entry = { ...entryOf(undefined), tombstone: true }
    const bytes = encodeEntry(tombstone, undefined, 0)
    expect(bytes.byteLength).toBe(HEADER_BYTES)
    expect(decodeEntry(bytes, serializers)).toMatchObject({
      ok: true,
      entry: { tombstone: true, value: undefined },
    })
  })

  test('compression applies above the threshold only, and only when it pays', () => {
    const compressor = createCompressor({ threshold: 100 })
    const big = { text: 'lorem ipsum '.repeat(500) }
    const small = { text: 'tiny' }
    const bigBytes = encodeEntry(entryOf(big), v8Serializer.serialize(big), 1, compressor)
    const smallBytes = encodeEntry(entryOf(small), v8Serializer.serialize(small), 1, compressor)
    expect((bigBytes[2] ?? 0) & 1).toBe(1)
    expect(bigBytes.byteLength).toBeLessThan(v8Serializer.serialize(big).byteLength / 5)
    expect((smallBytes[2] ?? 0) & 1).toBe(0)
    expect(decodeEntry(bigBytes, serializers)).toMatchObject({ ok: true, entry: { value: big } })
  })

  test('bytes written by an unknown format or serializer are refused, not misread', () => {
    const bytes = encodeEntry(entryOf('x'), v8Serializer.serialize('x'), 1)
    const futureFormat = Buffer.from(bytes)
    futureFormat[1] = 2
    expect(decodeEntry(futureFormat, serializers)).toEqual({ ok: false, reason: 'unknown entry format 2' })
    const unknownSerializer = Buffer.from(bytes)
    unknownSerializer[3] = 99
    expect(decodeEntry(unknownSerializer, serializers)).toEqual({
      ok: false,
      reason: 'unknown serializer id 99',
    })
  })

  test('a version no tier issues (over a day ahead of the clock, negative, fractional) does not decode', () => {
    const withVersion = (version: number) => {
      const bytes = encodeEntry({ ...entryOf('v'), version }, v8Serializer.serialize('v'), v8Serializer.id)
      return { decoded: decodeEntry(bytes, serializers), header: entryVersion(bytes) }
    }
    const nowUs = Date.now() * 1000
    for (const version of [0, 1, nowUs, nowUs + VERSION_LEAD_LIMIT_US / 24]) {
      expect(withVersion(version)).toMatchObject({ decoded: { ok: true }, header: version })
    }
    for (const version of [
      1e300,
      Number.MAX_SAFE_INTEGER,
      nowUs + 2 * VERSION_LEAD_LIMIT_US,
      -1,
      1.5,
      Number.NaN,
    ]) {
      expect(withVersion(version)).toEqual({
        decoded: {
          ok: false,
          reason: 'version is not one a tier issues (not an integer, or over a day ahead of this clock)',
        },
        header: undefined,
      })
    }
  })

  test('property: arbitrary bytes never throw and never decode into a value by accident', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (raw) => {
        const result = decodeEntry(Buffer.from(raw), serializers)
        if (result.ok) expect(raw[0]).toBe(0xc1)
      }),
      { numRuns: 2000 },
    )
  })

  test('property: truncating a valid entry anywhere makes it undecodable or leaves the header intact', () => {
    const value = { list: [1, 2, 3], when: new Date(0) }
    const bytes = encodeEntry(entryOf(value, ['a', 'b']), v8Serializer.serialize(value), 1)
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.byteLength - 1 }), (cut) => {
        const result = decodeEntry(bytes.subarray(0, cut), serializers)
        if (result.ok) expect(result.entry.version).toBe(entryOf(value).version)
      }),
    )
  })

  test('property: any JSON value round-trips through both serializers', () => {
    fc.assert(
      fc.property(
        // JSON itself turns -0 into 0; normalise generated values the same way first.
        fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown),
        fc.array(fc.string({ minLength: 1, maxLength: 20 }), { maxLength: 4 }),
        (value, tags) => {
          for (const serializer of [v8Serializer, jsonSerializer]) {
            const bytes = encodeEntry(entryOf(value, tags), serializer.serialize(value), serializer.id)
            const decoded = decodeEntry(bytes, serializers)
            expect(decoded.ok && decoded.entry.value).toEqual(value)
            expect(decoded.ok && decoded.entry.tags).toEqual(tags)
          }
        },
      ),
      { numRuns: 300 },
    )
  })
})

describe('default serializer', () => {
  test('round-trips Date, Buffer, Uint8Array, Map, Set, BigInt and nested objects', () => {
    const value = {
      when: new Date('2024-05-01T10:00:00Z'),
      buffer: Buffer.from('raw bytes'),
      bytes: new Uint8Array([1, 2, 3]),
      map: new Map<string, unknown>([['a', { deep: [1, 2] }]]),
      set: new Set(['x', 'y']),
      big: 12345678901234567890n,
      nested: { list: [{ ok: true }, null, 'text'] },
    }
    const copy = v8Serializer.deserialize(v8Serializer.serialize(value)) as typeof value
    expect(copy).toEqual(value)
    expect(Buffer.isBuffer(copy.buffer)).toBe(true)
    expect(copy.when).toBeInstanceOf(Date)
    expect(copy.map).toBeInstanceOf(Map)
    expect(typeof copy.big).toBe('bigint')
  })
})

describe('the default serializer stores JSON-exact values as JSON', () => {
  test('plain data takes the JSON path; anything JSON would change takes the v8 path', () => {
    expect(v8Serializer.serialize({ a: [1, 'x', null, true], b: { c: 1.5 } })[0]).toBe(0)
    for (const value of [
      { d: new Date(0) },
      [-0],
      { n: Number.NaN },
      { u: undefined },
      new Array(3), // holes
      new Map(),
      1n,
      { i: Number.POSITIVE_INFINITY },
    ]) {
      expect(v8Serializer.serialize(value)[0]).toBe(0xff)
    }
  })

  test('property: for any value, what comes back equals what plain v8 gives back', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withDate: true,
          withMap: true,
          withSet: true,
          withBigInt: true,
          withTypedArray: true,
          withSparseArray: true,
          withNullPrototype: true,
        }),
        (value) => {
          const expected = v8.deserialize(v8.serialize(value))
          expect(v8Serializer.deserialize(v8Serializer.serialize(value))).toStrictEqual(expected)
        },
      ),
      { numRuns: 1000 },
    )
  })
})
