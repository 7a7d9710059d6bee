import v8 from 'node:v8'
import { UnencodableValueError } from '../errors.js'

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

/**
 * The default: Node's structured-clone wire format. Round-trips Date, Buffer and typed arrays, Map, Set,
 * BigInt, RegExp, nested objects and even cycles; rejects functions and symbols.
 */
export const v8Serializer: Serializer = {
  id: 1,
  name: 'v8',
  serialize: (value) => v8.serialize(value),
  deserialize: (bytes) => v8.deserialize(bytes),
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
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'))
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

/** Serializes or throws {@link UnencodableValueError} naming what could not be encoded. */
export function serializeOrThrow(serializer: Serializer, value: unknown, key: string): Uint8Array {
  try {
    return serializer.serialize(value)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new UnencodableValueError(
      `value for key "${key}" cannot be encoded by the ${serializer.name} serializer: ${reason}`,
      error,
    )
  }
}
