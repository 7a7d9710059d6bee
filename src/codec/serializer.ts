import v8 from 'node:v8'
import { UnencodableValueError } from '../errors.js'
import { copyBinary } from './binary.js'

/**
 * Turns values into bytes and back. `id` is written into every entry so that bytes written by one
 * serializer are never read by another: a reader that does not know the id treats the entry as a miss.
 */
export interface Serializer {
  /** 1-255; ids below 16 are reserved for tiercache's own serializers. */
  readonly id: number
  readonly name: string
  /** Must throw (any error) for values it cannot represent; tiercache wraps that in `UnencodableValueError`. */
  serialize(value: unknown): Uint8Array
  deserialize(bytes: Uint8Array): unknown
}

/** First payload byte of a value stored as JSON by the default serializer (v8's own output starts with 0xFF). */
const JSON_MARK = 0

/**
 * The default: the semantics of Node's structured clone (v8). Round-trips Date, Buffer and typed
 * arrays, Map, Set, BigInt, RegExp, nested objects and even cycles; rejects functions and symbols.
 *
 * Values JSON represents exactly (strings, booleans, null, finite numbers other than -0, and plain
 * objects and dense arrays of those) are stored as JSON after a 0x00 byte instead, because
 * `JSON.parse` decodes them about twice as fast as `v8.deserialize`, whose per-call setup dominated
 * Redis hits in the benchmark. Either way the value read back is the value written.
 */
export const v8Serializer: Serializer = {
  id: 1,
  name: 'v8',
  serialize(value) {
    if (!isExactJson(value, 0)) return v8.serialize(value)
    return Buffer.from(`\u0000${JSON.stringify(value)}`, 'utf8')
  },
  deserialize(bytes) {
    if (bytes[0] !== JSON_MARK) return deserializeV8(bytes)
    return JSON.parse(asBuffer(bytes).toString('utf8', 1))
  },
}

/**
 * Node's v8 deserializer, except that every Buffer and typed array it makes owns exactly its bytes.
 * Node's own returns views into the bytes decoded (for a value read from Redis, the whole reply,
 * with other keys' values), or copies into Node's shared Buffer pool.
 */
class OwnBytesDeserializer extends v8.DefaultDeserializer {
  _readHostObject(): unknown {
    // Declared on Node's DefaultDeserializer, though not in its type definitions.
    const read = (v8.DefaultDeserializer.prototype as unknown as { _readHostObject(): unknown })
      ._readHostObject
    const view = read.call(this)
    return ArrayBuffer.isView(view) ? copyBinary(view) : view
  }
}

function deserializeV8(bytes: Uint8Array): unknown {
  const deserializer = new OwnBytesDeserializer(asBuffer(bytes))
  deserializer.readHeader()
  return deserializer.readValue()
}

/**
 * `serializer.deserialize(bytes.subarray(start))`, except that the built-in serializers' JSON is parsed
 * straight from `bytes`: a Redis hit then makes no second Buffer view per value.
 */
export function deserializeFrom(serializer: Serializer, bytes: Buffer, start: number): unknown {
  if (serializer === v8Serializer && bytes[start] === JSON_MARK)
    return JSON.parse(bytes.toString('utf8', start + 1))
  if (serializer === jsonSerializer) return JSON.parse(bytes.toString('utf8', start))
  return serializer.deserialize(bytes.subarray(start))
}

/** A Buffer view of `bytes` (payloads read from Redis already are Buffers: no new view for them). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** Deeper or cyclic values are left to v8 (which handles cycles); JSON would need a cycle check. */
const MAX_JSON_DEPTH = 64

/** Whether `JSON.parse(JSON.stringify(value))` gives back an equal value of the same types. */
function isExactJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0)
    case 'object': {
      if (value === null) return true
      if (depth >= MAX_JSON_DEPTH) return false
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++)
          if (!(i in value) || !isExactJson(value[i], depth + 1)) return false
        return true
      }
      const prototype = Object.getPrototypeOf(value)
      if (prototype !== Object.prototype && prototype !== null) return false
      for (const key in value) {
        if (!isExactJson((value as Record<string, unknown>)[key], depth + 1)) return false
      }
      return true
    }
    default:
      return false
  }
}

/**
 * Plain JSON, for other languages reading the same Redis. Dates become ISO strings on the way back;
 * values JSON would silently drop or mangle (functions, symbols, undefined members, Map, Set, BigInt,
 * cycles) are rejected instead.
 */
export const jsonSerializer: Serializer = {
  id: 2,
  name: 'json',
  serialize(value) {
    const text = JSON.stringify(value, rejectNonJson)
    if (text === undefined) throw new TypeError(`${typeof value} cannot be encoded as JSON`)
    return Buffer.from(text, 'utf8')
  },
  deserialize(bytes) {
    return JSON.parse(asBuffer(bytes).toString('utf8'))
  },
}

function rejectNonJson(this: unknown, key: string, value: unknown): unknown {
  const kind = typeof value
  if (kind === 'function' || kind === 'symbol' || kind === 'bigint') {
    throw new TypeError(`${kind} at "${key}" cannot be encoded as JSON`)
  }
  if (kind === 'undefined' && this !== null && typeof this === 'object' && !Array.isArray(this)) {
    throw new TypeError(`undefined at "${key}" cannot be encoded as JSON (it would be dropped)`)
  }
  if (value instanceof Map || value instanceof Set) {
    throw new TypeError(
      `${value.constructor.name} at "${key}" cannot be encoded as JSON; use the default serializer`,
    )
  }
  return value
}

export const builtInSerializers: readonly Serializer[] = [v8Serializer, jsonSerializer]

/**
 * Serializes or throws {@link UnencodableValueError} naming what could not be encoded, or saying that
 * the value is over `maxValueBytes` (what no cache would read back).
 */
export function serializeOrThrow(
  serializer: Serializer,
  value: unknown,
  key: string,
  maxValueBytes: number,
): Uint8Array {
  let payload: Uint8Array
  try {
    payload = serializer.serialize(value)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new UnencodableValueError(
      `value for key "${key}" cannot be encoded by the ${serializer.name} serializer: ${reason}`,
      error,
    )
  }
  if (payload.byteLength > maxValueBytes) {
    throw new UnencodableValueError(
      `value for key "${key}" is ${payload.byteLength} bytes serialized, over maxValueBytes (${maxValueBytes})`,
    )
  }
  return payload
}
