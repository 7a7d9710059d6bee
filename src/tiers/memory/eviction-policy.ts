/**
 * A bounded store that decides what a memory tier forgets. Implementations must be O(1) per
 * operation and respect both bounds.
 */
export interface EvictionPolicy<V> {
  /** Returns the value and records the access. */
  get(key: string): V | undefined
  /** Returns the value without recording an access. */
  peek(key: string): V | undefined
  /** Inserts or replaces; `size` is in bytes. May evict other keys, or refuse the newcomer. */
  set(key: string, value: V, size: number): void
  delete(key: string): boolean
  clear(): void
  /** Number of entries held. */
  readonly size: number
  /** Sum of the sizes of entries held. */
  readonly bytes: number
}

/**
 * What a policy holds: an object with a field that belongs to the policy holding it. A policy may
 * file there where it keeps the value's bookkeeping (the built-in LRU keeps its slot number), so that
 * its index can map a key straight to the value: with many entries, every extra index a lookup goes
 * through is one more cache miss per hit. Hence each value is held under one key of one policy at a
 * time, and nothing else writes the field.
 */
export interface PolicyValue {
  policySlot: number
}

export interface PolicyLimits {
  readonly maxEntries: number
  readonly maxBytes: number
  /** Called for every entry removed to make room (not for explicit deletes). */
  readonly onEvict: (key: string) => void
}

/**
 * Builds a policy for given limits; pass one as `memoryTier({ policy })` to plug in your own. A policy
 * that keeps nothing in {@link PolicyValue.policySlot} can be written for any `V extends object`.
 */
export type EvictionPolicyFactory = <V extends PolicyValue>(limits: PolicyLimits) => EvictionPolicy<V>
