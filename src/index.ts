/**
 * The package's root (`tiercache`): the cache, the tier factories, serializers, errors and the types
 * a cache is built and used with. The rest is under subpaths: `tiercache/geo`, `tiercache/prometheus`,
 * `tiercache/policies`, `tiercache/diagnostics` (events, stats, channels), `tiercache/types` (the parts
 * of the options, the Redis client shapes) and the integrations.
 *
 * @module tiercache
 */
export type { BatchLoader, BatchResult, CacheStats, Loader, LoaderContext } from './cache.js'
export { createCache, TierCache } from './cache.js'
export { type Clock, systemClock } from './clock.js'
export type { Serializer } from './codec/serializer.js'
export { jsonSerializer, v8Serializer } from './codec/serializer.js'
export type { Duration } from './duration.js'
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
export type { Logger } from './health-log.js'
export type { CacheOptions, LoadOptions, WriteOptions } from './options.js'
export { type MemoryTierOptions, memoryTier } from './tiers/memory/memory-tier.js'
export { type RedisTierOptions, redisTier } from './tiers/redis/redis-tier-factory.js'
