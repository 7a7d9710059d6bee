/**
 * Arrays up to this length are walked index by index. A longer one is walked by its own keys, so
 * that a sparse array declaring a huge length (a 51-byte v8 payload can declare 2^32 - 1) costs what
 * it holds, not what it claims.
 */
const INDEX_WALK_LIMIT = 1 << 16

/** Whether walking `array` by index is bounded by a small constant (else walk {@link heldKeys}). */
export function isIndexWalkable(array: readonly unknown[]): boolean {
  return array.length <= INDEX_WALK_LIMIT
}

/** The own keys of a long array: the indices of the elements it really holds, and any named properties. */
export function heldKeys(array: readonly unknown[]): string[] {
  return Object.keys(array)
}
