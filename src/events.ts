import { EventEmitter } from 'node:events'

/** Everything the cache reports as it happens. Listening is optional; nothing is emitted as 'error'. */
export interface CacheEventMap {
  /** A tier operation failed; the cache carried on without that tier. */
  tierError: [{ tier: string; operation: string; error: unknown }]
  /** Bytes under one of our keys did not decode; the read counted as a miss and the next fill repairs it. */
  decodeError: [{ tier: string; key: string; reason: string }]
  /**
   * A Redis tier's state changed (once per change): `'connecting'`, `'up'`, `'degraded'` (connected but
   * skipped: its circuit breaker is open or probing, or it is replaying missed writes) or `'down'`;
   * `breaker` is the circuit breaker's own word ('closed', 'open', 'half-open') and `error` the last
   * connection error, when it went down.
   */
  tierState: [
    {
      tier: string
      state: import('./health-log.js').TierState
      breaker?: import('./tiers/circuit-breaker.js').BreakerState
      error?: unknown
    },
  ]
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
}

export type CacheEventName = keyof CacheEventMap

/** A typed EventEmitter. `'error'` is never emitted, so a missing listener can never crash the process. */
export class CacheEvents extends EventEmitter<CacheEventMap> {
  /** Emits only when someone listens, so unobserved events cost one property read. */
  report<E extends CacheEventName>(event: E, ...args: CacheEventMap[E]): void {
    if (this.listenerCount(event) > 0)
      (this.emit as (e: E, ...a: CacheEventMap[E]) => boolean)(event, ...args)
  }
}
