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

export interface PolicyLimits {
  readonly maxEntries: number
  readonly maxBytes: number
  /** Called for every entry removed to make room (not for explicit deletes). */
  readonly onEvict: (key: string) => void
}

/** Builds a policy for given limits; pass one as `memoryTier({ policy })` to plug in your own. */
export type EvictionPolicyFactory = <V extends object>(limits: PolicyLimits) => EvictionPolicy<V>

export { lruPolicy } from './policies/lru.js'
