import { COMPRESSED, SMI_MAX } from '../../v8-layout.js'
import { heldKeys, isIndexWalkable } from '../array-elements.js'

/**
 * Estimates of what values cost on the V8 heap, for the memory tier's byte accounting. They follow
 * V8's object layout (64-bit, with or without pointer compression) closely enough for a byte bound
 * of many small entries to hold within a few per cent; they are not exact (V8 may leave slack in
 * objects and arrays, and shares some strings and shapes).
 *
 * Written by hand: no maintained package estimates V8 heap sizes, and `v8.serialize` length (what
 * the tier used before) undercounts small objects by half or more.
 */

/** Bytes per tagged field (a pointer or a small integer). */
export const WORD = COMPRESSED ? 4 : 8
/** A string's header (map, hash, length) before its characters. */
const STRING_HEADER = COMPRESSED ? 12 : 16
/** A boxed double: map + 8-byte value. */
export const HEAP_NUMBER = COMPRESSED ? 12 : 16
/** Object header: map, properties, elements. */
const OBJECT_HEADER = 3 * WORD
/** Properties an object literal or a decoded object holds inside itself before spilling out. */
const IN_OBJECT_PROPERTIES = 4
/** Array header (map, properties, elements, length) plus its backing store's header (map, length). */
const ARRAY_HEADER = 6 * WORD
/** Typed arrays, Buffers, Maps, Sets and Dates carry more bookkeeping than a plain object. */
const EXOTIC_HEADER = 12 * WORD

/** Heap bytes of a string (flat, one byte per character if it is Latin-1, else two). */
export function stringBytes(text: string): number {
  const perChar = isLatin1(text) ? 1 : 2
  return align(STRING_HEADER + text.length * perChar)
}

/** Heap bytes a number costs beyond the field holding it: 0 for small integers, else a boxed double. */
export function numberBytes(value: number): number {
  return Number.isInteger(value) && value >= -SMI_MAX - 1 && value <= SMI_MAX ? 0 : HEAP_NUMBER
}

/**
 * Heap bytes of a value and everything it holds (each object counted once). Primitives held in
 * fields cost nothing beyond the field, except strings and non-small numbers.
 *
 * Iterative (a list of objects still to count), so a value nested 200,000 deep cannot overflow the
 * stack; a long array is counted by the elements it holds, not by its declared length.
 */
export function estimateHeapBytes(value: unknown): number {
  if (value === null || typeof value !== 'object') return primitiveBytes(value)
  const seen = new Set<object>([value])
  const pending: object[] = [value]
  let bytes = 0
  const count = (inner: unknown): void => {
    if (inner === null || typeof inner !== 'object') bytes += primitiveBytes(inner)
    else if (!seen.has(inner)) {
      seen.add(inner)
      pending.push(inner)
    }
  }
  while (pending.length > 0) {
    // Not `bytes += objectBytes(…)`: that would read `bytes` before `count` adds the members to it.
    const own = objectBytes(pending.pop() as object, count)
    bytes += own
  }
  return bytes
}

function primitiveBytes(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return stringBytes(value)
    case 'number':
      return numberBytes(value)
    case 'bigint':
      return align(WORD + 8 * Math.ceil(value.toString(16).length / 16))
    default:
      return 0
  }
}

/** The object's own bytes; each member goes to `count`. */
function objectBytes(value: object, count: (inner: unknown) => void): number {
  if (ArrayBuffer.isView(value)) return EXOTIC_HEADER + align(value.byteLength)
  if (value instanceof ArrayBuffer) return EXOTIC_HEADER + align(value.byteLength)
  if (value instanceof Date) return EXOTIC_HEADER
  if (value instanceof Map) {
    for (const [key, inner] of value) {
      count(key)
      count(inner)
    }
    return EXOTIC_HEADER + value.size * 4 * WORD
  }
  if (value instanceof Set) {
    for (const inner of value) count(inner)
    return EXOTIC_HEADER + value.size * 3 * WORD
  }
  if (Array.isArray(value)) return arrayBytes(value, count)
  const keys = Object.keys(value)
  for (const key of keys) count((value as Record<string, unknown>)[key])
  // Properties beyond the in-object ones live in a separate array (header + one field each).
  const outOfObject = keys.length > IN_OBJECT_PROPERTIES ? 2 * WORD : 0
  return OBJECT_HEADER + Math.max(keys.length, IN_OBJECT_PROPERTIES) * WORD + outOfObject
}

function arrayBytes(value: readonly unknown[], count: (inner: unknown) => void): number {
  if (isIndexWalkable(value)) {
    for (const inner of value) count(inner)
    return ARRAY_HEADER + value.length * WORD
  }
  // A long array is a dictionary when sparse: key, value and details per element it holds.
  const held = heldKeys(value)
  for (const key of held) count((value as unknown as Record<string, unknown>)[key])
  return ARRAY_HEADER + held.length * 3 * WORD
}

function align(bytes: number): number {
  return Math.ceil(bytes / WORD) * WORD
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the Latin-1 range starts at U+0000
const BEYOND_LATIN1 = /[^\u0000-\u00ff]/

function isLatin1(text: string): boolean {
  return !BEYOND_LATIN1.test(text)
}
