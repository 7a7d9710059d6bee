import { LRUCache } from 'lru-cache'

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

/** Least-recently-used eviction, backed by the `lru-cache` package. */
export const lruPolicy: EvictionPolicyFactory = <V extends object>(
  limits: PolicyLimits,
): EvictionPolicy<V> => {
  const cache = new LRUCache<string, V>({
    max: limits.maxEntries,
    maxSize: limits.maxBytes,
    // Values larger than the whole budget are refused rather than flushing everything else.
    maxEntrySize: limits.maxBytes,
    dispose: (_value, key, reason) => {
      if (reason === 'evict') limits.onEvict(key)
    },
  })
  return {
    get: (key) => cache.get(key),
    peek: (key) => cache.peek(key),
    set: (key, value, size) => {
      cache.set(key, value, { size: Math.max(1, size) })
    },
    delete: (key) => cache.delete(key),
    clear: () => cache.clear(),
    get size() {
      return cache.size
    },
    get bytes() {
      return cache.calculatedSize
    },
  }
}
