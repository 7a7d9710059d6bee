import { EventEmitter } from 'node:events'
import { TierCacheError, TierError } from './errors.js'
import type { AuditReport } from './types/audit-report.js'
import type { StaleReason } from './types/stale-reason.js'
import type { BreakerState, TierState } from './types/tier-state.js'
import type { WarmProgress } from './types/warm-progress.js'

/** Everything the cache reports as it happens. Listening is optional; nothing is emitted as 'error'. */
export interface CacheEventMap {
  /**
   * A tier operation failed; the cache carried on without that tier. `error` is a `TierTimeoutError`,
   * or a `TierError` whose `cause` is what the Redis client raised.
   */
  tierError: [{ tier: string; operation: string; error: TierCacheError }]
  /**
   * Bytes under one of our keys did not decode; the read counted as a miss and the next fill repairs it.
   * Also a bus message dropped (tier 'bus', key the channel, reason 'bus message <malformed | oversized
   * | unauthenticated | replayed>').
   */
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
      state: TierState
      breaker?: BreakerState
      error?: unknown
    },
  ]
  /** A loader finished (or failed: `error` is the LoaderError or LoaderTimeoutError its callers got). */
  load: [{ key: string; durationMs: number; ok: boolean; error?: TierCacheError }]
  /** Invalidations from another process (or from Redis client tracking) were applied to memory tiers. */
  invalidated: [{ keys: readonly string[]; tags: readonly string[] }]
  /**
   * Whether memory tiers are trusted: false while an invalidation channel (bus, tracking) is down, when
   * memory tiers are bypassed; true again once it is back (with everything filled before dropped).
   */
  syncState: [{ healthy: boolean }]
  /** A caller was answered with a stale value (within grace), and why. */
  staleServed: [{ key: string; reason: StaleReason }]
  /** A warm-up made progress (after every batch, and once when done). */
  warm: [WarmProgress]
  /** A Redis tier's configuration was checked against its role. */
  audit: [AuditReport]
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

/** What the cache's parts pass to {@link CacheEvents.report}: any error for `tierError` (typed on the way out). */
type ReportedEventMap = Omit<CacheEventMap, 'tierError'> & {
  tierError: [{ tier: string; operation: string; error: unknown }]
}

/** A typed EventEmitter. `'error'` is never emitted, so a missing listener can never crash the process. */
export class CacheEvents extends EventEmitter<CacheEventMap> {
  /**
   * Emits only when someone listens, so unobserved events cost one property read. A `tierError`'s
   * error is always a TierCacheError for listeners: what a Redis client raised is wrapped in a
   * {@link TierError} (as its `cause`).
   */
  report<E extends CacheEventName>(event: E, ...args: ReportedEventMap[E]): void {
    if (this.listenerCount(event) === 0) return
    const emit = this.emit as (e: E, ...a: unknown[]) => boolean
    if (event === 'tierError') {
      const [{ tier, operation, error }] = args as ReportedEventMap['tierError']
      const typed = error instanceof TierCacheError ? error : new TierError(tier, operation, error)
      emit.call(this, event, { tier, operation, error: typed })
    } else {
      emit.call(this, event, ...args)
    }
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
