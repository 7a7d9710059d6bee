/**
 * The `tiercache/diagnostics` entry: what a cache reports about itself. The names of its diagnostics
 * channels and their messages, and the types of its events, statistics, health and audit.
 *
 * @module tiercache/diagnostics
 */
export type { StaleReason, TierStats } from '../cache.js'
export type { CacheEventMap, CacheEventName } from '../cache-events.js'
export {
  channelNames,
  type LoadMessage,
  type OperationMessage,
  type TierCommand,
  type TierMessage,
  type TierOutcome,
  type TracedOperation,
} from '../channels.js'
export type { IdleReport } from '../stack/unwritten-fills.js'
export type { BusStats } from '../sync/bus-counters.js'
export type { TierHealth } from '../tiers/redis/redis-tier.js'
export type { TierCountersSnapshot } from '../tiers/tier-counters.js'
export type { AuditFinding, AuditReport, RedisRole, RedisServerSettings } from '../types/audit-report.js'
export type { BreakerState, TierState } from '../types/tier-state.js'
export type { WarmProgress } from '../types/warm-progress.js'
