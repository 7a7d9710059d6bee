import { EventEmitter } from 'node:events'

/** Everything the cache reports as it happens. Listening is optional; nothing is emitted as 'error'. */
export interface CacheEventMap {
  /** A tier operation failed; the cache carried on without that tier. */
  tierError: [{ tier: string; operation: string; error: unknown }]
  /** Bytes under one of our keys did not decode; the read counted as a miss and the next fill repairs it. */
  decodeError: [{ tier: string; key: string; reason: string }]
  /**
   * A tier's connection went down or up, or its circuit breaker changed state ('open': skipped after
   * repeated failures; 'half-open': one probe allowed; 'closed': in use again).
   */
  tierState: [{ tier: string; state: import('./tiers/redis-tier.js').TierHealth }]
  /** A loader finished (or failed). */
  load: [{ key: string; durationMs: number; ok: boolean; error?: unknown }]
  /** Invalidations from another process (or from Redis client tracking) were applied to memory tiers. */
  invalidated: [{ keys: readonly string[]; tags: readonly string[] }]
  /**
   * Whether memory tiers are trusted: false while an invalidation channel (bus, tracking) is down, when
   * memory tiers are bypassed; true again once it is back (with everything filled before dropped).
   */
  syncState: [{ healthy: boolean }]
  /** A caller was answered with a stale value (within grace), and why. */
  staleServed: [{ key: string; reason: import('./load/loads.js').StaleReason }]
  /** A warm-up made progress (after every batch, and once when done). */
  warm: [import('./load/warm.js').WarmProgress]
  /** A Redis tier's configuration was checked against its role. */
  audit: [import('./topology/audit.js').AuditReport]
  /**
   * A `get`, `getOrLoad` or `getMany` found `key` fresh in `tier` (the fastest that had it). Only while
   * someone listens does an L1 hit leave the fast path to say so.
   */
  hit: [{ key: string; tier: string }]
  /** A `get`, `getOrLoad` or `getMany` found `key` fresh in no tier (`getOrLoad` then loads it). */
  miss: [{ key: string }]
  /** A `set` of `key` was written. */
  set: [{ key: string }]
  /** A `delete` or `deleteMany` of `keys` was written. */
  delete: [{ keys: readonly string[] }]
}

export type CacheEventName = keyof CacheEventMap

/** A typed EventEmitter. `'error'` is never emitted, so a missing listener can never crash the process. */
export class CacheEvents extends EventEmitter<CacheEventMap> {
  /** Emits only when someone listens, so unobserved events cost one property read. */
  report<E extends CacheEventName>(event: E, ...args: CacheEventMap[E]): void {
    if (this.listenerCount(event) > 0)
      (this.emit as (e: E, ...a: CacheEventMap[E]) => boolean)(event, ...args)
  }

  /** True when `event` has a listener: check it before building a payload on a hot path. */
  listened(event: CacheEventName): boolean {
    return this.listenerCount(event) > 0
  }

  /** Calls `changed` whenever a listener of `event` comes or goes, with whether any is left. */
  watch(event: CacheEventName, changed: (listened: boolean) => void): void {
    const emitter = this as unknown as EventEmitter
    // 'newListener' comes before the listener is added, 'removeListener' after it is removed.
    emitter.on('newListener', (name: string | symbol) => {
      if (name === event) changed(true)
    })
    emitter.on('removeListener', (name: string | symbol) => {
      if (name === event) changed(this.listened(event))
    })
  }
}
