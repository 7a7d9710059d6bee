export type {
  BatchLoader,
  BatchLoaderContext,
  BatchResult,
  CacheStats,
  Loader,
  LoaderContext,
  StaleReason,
  TierStats,
} from './cache.js'
export { createCache, TierCache } from './cache.js'
export {
  channelNames,
  type LoadMessage,
  type OperationMessage,
  type TierCommand,
  type TierMessage,
  type TierOutcome,
  type TracedOperation,
} from './channels.js'
export { type Clock, systemClock } from './clock.js'
export type { CompressionOptions } from './codec/compression.js'
export type { Serializer } from './codec/serializer.js'
export { jsonSerializer, v8Serializer } from './codec/serializer.js'
export type { Duration } from './duration.js'
export type { Entry } from './entry.js'
export {
  CacheClosedError,
  InvalidationError,
  InvalidKeyError,
  InvalidOptionError,
  InvalidTtlError,
  LoaderError,
  LoaderTimeoutError,
  ReadonlyValueError,
  TierCacheError,
  type TierCacheErrorCode,
  TierError,
  TierTimeoutError,
  UnencodableValueError,
  UnexpectedReplyError,
} from './errors.js'
export type { CacheEventMap, CacheEventName } from './events.js'
export type { Logger, TierState } from './health-log.js'
export type { ScheduledWarmer, WarmOptions, WarmProgress, WarmSource } from './load/warm.js'
export {
  type PrometheusMetrics,
  type PrometheusOptions,
  type PrometheusRegistry,
  prometheusMetrics,
} from './metrics/prometheus.js'
export { LATENCY_BUCKET_MICROS, type TierCountersSnapshot } from './metrics/tier-counters.js'
export type { CacheOptions, LoadOptions, LoadProtectionOptions, WriteOptions } from './options.js'
export type { NodeRedisClusterLike } from './redis/cluster-connection.js'
export type { IoredisLike, NodeRedisLike, RedisArgument } from './redis/connection.js'
export type { NodeRedisSentinelLike } from './redis/sentinel-connection.js'
export type { BusOptions } from './sync/bus.js'
export type { BusSecret } from './sync/bus-auth.js'
export type { BusStats } from './sync/bus-counters.js'
export type { SyncOptions } from './sync/synchronizer.js'
export type { BreakerOptions, BreakerState } from './tiers/circuit-breaker.js'
export type {
  EvictionPolicy,
  EvictionPolicyFactory,
  PolicyLimits,
  PolicyValue,
} from './tiers/eviction-policy.js'
export { lruPolicy } from './tiers/eviction-policy.js'
export { type MemoryPolicyName, type MemoryTierOptions, memoryTier } from './tiers/memory.js'
export { clockPolicy } from './tiers/policies/clock.js'
export { lfuPolicy } from './tiers/policies/lfu.js'
export { s3FifoPolicy } from './tiers/policies/s3-fifo.js'
export {
  createWTinyLfuPolicy,
  type WindowAdaptation,
  type WTinyLfuOptions,
  wTinyLfuPolicy,
} from './tiers/policies/w-tinylfu.js'
export type { ValueProtection } from './tiers/protect.js'
export { type RedisClusterTierOptions, type RedisTierOptions, redisTier } from './tiers/redis.js'
export type { TierHealth } from './tiers/redis-tier.js'
export type { RedisTlsOptions } from './tiers/redis-tls.js'
export type { TierDefinition } from './tiers/tier.js'
export type { AuditFinding, AuditReport, RedisRole, RedisServerSettings } from './topology/audit.js'
export {
  GeoCache,
  type GeoCacheOptions,
  type GeoLevel,
  type GeoLevelOptions,
  geoCache,
  localPrefix,
  regionalPrefix,
} from './topology/geo.js'
export {
  type GeoDataCenter,
  type GeoRedis,
  type GeoRegion,
  type GeoTopology,
  type GeoTopologyOptions,
  geoTopology,
} from './topology/geo-topology.js'
export type { BudgetStats } from './topology/latency-budget.js'
export type { IdleReport } from './unwritten-fills.js'
