/**
 * The `tiercache/geo` entry: one cache per data center in front of regional and global Redis tiers.
 *
 * @module tiercache/geo
 */
export {
  GeoCache,
  type GeoCacheOptions,
  type GeoLevel,
  type GeoLevelOptions,
  geoCache,
  localPrefix,
  regionalPrefix,
} from '../topology/geo-cache.js'
export {
  type GeoDataCenter,
  type GeoRedis,
  type GeoRegion,
  type GeoTopology,
  type GeoTopologyOptions,
  geoTopology,
} from '../topology/geo-topology.js'
export type { BudgetStats } from '../topology/latency-budget.js'
