import type { BusStats } from '../sync/bus-counters.js'
import type { Tier } from '../tiers/tier.js'
import type { TierCountersSnapshot } from '../tiers/tier-counters.js'
import type { BreakerState, TierState } from '../types/tier-state.js'
import type { CacheParts } from './parts.js'

/** Figures for one tier, from {@link tiercache!TierCache.stats}. */
export interface TierStats extends TierCountersSnapshot {
  readonly name: string
  readonly kind: 'memory' | 'redis'
  /**
   * `'up'` when the tier is in use; otherwise `'connecting'`, `'degraded'`, `'down'` (Redis tiers) or
   * `'bypassed'` (a memory tier while invalidations could be missed). See {@link TierState}.
   */
  readonly state: TierState
  /** A Redis tier's circuit breaker: `'closed'` (normal), `'open'` (skipping the tier), `'half-open'` (probing). */
  readonly breaker?: BreakerState
  /** Entries and bytes held (memory tiers). */
  readonly entries?: number
  readonly bytes?: number
}

/** Figures for the whole cache, from {@link TierCache.stats}. */
export interface CacheStats {
  readonly namespace: string
  readonly tiers: readonly TierStats[]
  /** Loader calls (batch loader calls count once). */
  readonly loads: number
  readonly loadErrors: number
  /** Callers that shared another caller's load instead of starting their own. */
  readonly singleFlightJoins: number
  /** Loads running now. */
  readonly inFlight: number
  /** Loads abandoned at their hard timeout. */
  readonly loadTimeouts: number
  /** Reads answered with a stale value (stale-while-revalidate, fail-safe, soft timeout, back-off). */
  readonly staleServed: number
  /** Background refreshes started (stale-while-revalidate, refresh-ahead). */
  readonly refreshes: number
  /** Loads that waited for another process holding the key's lease instead of calling the loader. */
  readonly leaseWaits: number
  /** Whether memory tiers are in use: false while an invalidation channel is down (they are bypassed). */
  readonly synced: boolean
  /** Messages the invalidation bus accepted and dropped, by reason (absent without a bus). */
  readonly bus?: BusStats
}

/** Reads every counter once; no I/O. */
export function collectStats({ options, tiers, loads, flights, sync }: CacheParts): CacheStats {
  return {
    namespace: options.namespace,
    tiers: tiers.map(tierStats),
    loads: loads.loaderCounters.calls,
    loadErrors: loads.loaderCounters.errors,
    singleFlightJoins: flights.joins,
    inFlight: flights.size,
    loadTimeouts: loads.loaderCounters.timeouts,
    staleServed: loads.staleServed,
    refreshes: loads.refreshes,
    leaseWaits: loads.leaseWaits,
    synced: sync.healthy,
    ...(sync.busStats !== undefined ? { bus: sync.busStats } : {}),
  }
}

function tierStats(tier: Tier): TierStats {
  const sized = tier as Tier & { size?: number; bytes?: number; breakerState?: BreakerState }
  return {
    name: tier.name,
    kind: tier.kind,
    ...tier.counters.snapshot(),
    state: tier.state ?? 'up',
    ...(sized.breakerState !== undefined ? { breaker: sized.breakerState } : {}),
    ...(sized.size !== undefined ? { entries: sized.size, bytes: sized.bytes } : {}),
  }
}
