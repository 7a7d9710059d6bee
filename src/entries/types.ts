/**
 * The `tiercache/types` entry: the parts of the options (sync, bus, load protection, compression, TLS,
 * breaker, warming), the Redis client shapes a Redis tier accepts, and the cache's entry and loader
 * context types. Types only.
 *
 * @module tiercache/types
 */
export type { BatchLoaderContext } from '../cache.js'
export type { CompressionOptions } from '../codec/compression.js'
export type { Entry } from '../entry.js'
export type { ScheduledWarmer, WarmOptions, WarmSource } from '../load/warm.js'
export type { LoadProtectionOptions } from '../options.js'
export type { BusSecret } from '../sync/bus-auth.js'
export type { BusOptions } from '../sync/bus-options.js'
export type { SyncOptions } from '../sync/synchronizer.js'
export type { BreakerOptions } from '../tiers/circuit-breaker.js'
export type { ValueProtection } from '../tiers/protect.js'
export type { NodeRedisClusterLike } from '../tiers/redis/cluster-clients.js'
export type { IoredisLike, NodeRedisLike, RedisArgument } from '../tiers/redis/connection.js'
export type { RedisClusterTierOptions } from '../tiers/redis/redis-tier-factory.js'
export type { NodeRedisSentinelLike } from '../tiers/redis/sentinel-connection.js'
export type { RedisTlsOptions } from '../tiers/redis/tls.js'
export type { TierDefinition } from '../tiers/tier.js'
