// The package's own entry, not its source files: geo caches are the one TierCache class a program
// loads, with the same tiers and error classes, instead of a second copy bundled here.
import {
  type CacheOptions,
  InvalidOptionError,
  type MemoryTierOptions,
  memoryTier,
  type RedisTierOptions,
  redisTier,
  TierCache,
} from 'tiercache'
import type { TierDefinition } from 'tiercache/types'
import { type Duration, toMilliseconds } from '../duration.js'
import type { WarmOptions } from '../load/warm.js'
import type { BreakerOptions } from '../tiers/circuit-breaker.js'
import type { Tier, TierContext } from '../tiers/tier.js'
import type { RedisRole } from '../types/audit-report.js'
import type { WarmProgress } from '../types/warm-progress.js'
import { findDataCenter, findRegion, type GeoRedis, type GeoTopology } from './geo-topology.js'
import { HierarchyFanOut } from './hierarchy-fan-out.js'
import { type BudgetStats, LatencyBudget } from './latency-budget.js'
import { overrideTier } from './tier-override.js'

/** The Redis levels of the hierarchy, fastest first. */
export type GeoLevel = 'local' | 'regional' | 'global'

/** Settings of one Redis level of {@link geoCache}. */
export interface GeoLevelOptions {
  /** How long this level keeps a copy. Defaults: local 1 h, regional 6 h, global 24 h (the seed's). */
  ttl?: Duration
  /**
   * Longest a read waits for this level before going on to the next one; a level that keeps exceeding
   * it is skipped until it answers a PING within it again. `false`: only the tier `timeout` applies.
   * Defaults: local 20 ms, regional 150 ms, global 500 ms.
   */
  budget?: Duration | false
  /** Longest any round trip to this level may take, writes included (`redisTier({ timeout })`). Default 1 s. */
  timeout?: Duration
  /** How long operations wait for this level's first connection (`redisTier({ connectTimeout })`). Default 2 s. */
  connectTimeout?: Duration
  /** The level's circuit breaker (`redisTier({ breaker })`); its settings also govern the budget's skipping. */
  breaker?: BreakerOptions | false
  /** Compress values in this level (`redisTier({ compress })`). */
  compress?: RedisTierOptions['compress']
  /** What the level's servers are for, for the configuration audit (`redisTier({ role })`). */
  role?: RedisRole
}

/** Options of {@link geoCache}: the cache options, minus the tiers, which the topology decides. */
export interface GeoCacheOptions extends Omit<CacheOptions, 'tiers' | 'coordinator'> {
  /** The data center this process runs in: one of the topology's. */
  dataCenter: string
  /** The process memory tier in front of the hierarchy; `false` for none. Default `memoryTier()`. */
  memory?: MemoryTierOptions | false
  local?: GeoLevelOptions
  regional?: GeoLevelOptions
  global?: GeoLevelOptions
}

const DEFAULTS: Record<GeoLevel, { ttl: Duration; budget: Duration }> = {
  local: { ttl: '1h', budget: '20ms' },
  regional: { ttl: '6h', budget: '150ms' },
  global: { ttl: '24h', budget: '500ms' },
}

/** Tiers and budgets the cache's tier definitions create, kept for the GeoCache that owns them. */
interface GeoParts {
  readonly budgets: LatencyBudget[]
  readonly own: Partial<Record<GeoLevel, Tier>>
  fanOut: HierarchyFanOut | undefined
}

/**
 * A cache for one data center of a geographic hierarchy (the seed's Architecture 3): memory → local
 * Redis (this data center) → regional Redis (its region) → global Redis → your loader. Create it with
 * {@link geoCache}. It is a {@link TierCache} with three more duties:
 *
 * - **Key spaces per level**: local keys are prefixed `local@<data center>:`, regional keys
 *   `regional@<region>:`, global keys `global:`, then the namespace (as in the seed, with `@` for
 *   the seed's inner `:`, which could make two levels' keys meet).
 * - **Invalidation across the hierarchy**: `set`, `delete` and `deleteMany` reach the global tier,
 *   every region's regional tier and every data center's local tier, top-down, before they resolve
 *   (see hierarchy-fan-out.ts); memory tiers everywhere hear of them over the bus on the global tier,
 *   which also issues every version and holds tag versions and load leases.
 * - **Latency budgets per level**: a read does not wait for a level longer than its budget.
 */
export class GeoCache extends TierCache {
  /** This process's data center and its region. */
  readonly dataCenter: string
  readonly region: string
  private readonly geo: GeoParts

  constructor(topology: GeoTopology, options: GeoCacheOptions) {
    const { cacheOptions, parts, dataCenter, region } = planGeoCache(topology, options)
    super(cacheOptions)
    this.dataCenter = dataCenter
    this.region = region
    this.geo = parts
  }

  /**
   * Copies every key the regional tier holds into this data center's local tier (and this process's
   * memory tier): a new or emptied data center starts warm instead of sending its first reads across
   * the region. Keys the regional tier lacks by the time they are read are left alone (no loader).
   */
  warmLocal(options: Omit<WarmOptions, 'every'> = {}): Promise<WarmProgress> {
    return this.warm(this.keys({ tier: 'regional' }), undefined, options)
  }

  /** Each Redis level's latency budget: reads abandoned at it, reads that skipped the level. */
  budgets(): BudgetStats[] {
    return this.geo.budgets.map((budget) => budget.stats())
  }

  override async close(): Promise<void> {
    await super.close()
    for (const budget of this.geo.budgets) budget.dispose()
    await this.geo.fanOut?.close()
  }
}

/**
 * Builds the cache of one data center from a validated {@link GeoTopology}. Everything is checked
 * before any connection opens.
 *
 * @throws {InvalidOptionError} for an unknown data center or bad level options.
 * @example
 * ```ts
 * const cache = geoCache(topology, { dataCenter: 'eu-west', namespace: 'content' })
 * const article = await cache.getOrLoad(`article:${id}`, () => db.article(id))
 * await cache.delete(`article:${id}`) // every level of every region, top-down
 * ```
 */
export function geoCache(topology: GeoTopology, options: GeoCacheOptions): GeoCache {
  return new GeoCache(topology, options)
}

function planGeoCache(topology: GeoTopology, options: GeoCacheOptions) {
  if (options === null || typeof options !== 'object')
    throw new InvalidOptionError('geoCache needs options with a dataCenter')
  if (!Object.isFrozen(topology) || !Array.isArray(topology.dataCenters))
    throw new InvalidOptionError('geoCache needs a topology made by geoTopology()')
  const { dataCenter, memory, local, regional, global, ...cacheRest } = options
  const here = findDataCenter(topology, dataCenter)
  const levels = {
    local: checkLevel(local, 'local'),
    regional: checkLevel(regional, 'regional'),
    global: checkLevel(global, 'global'),
  }
  const parts: GeoParts = { budgets: [], own: {}, fanOut: undefined }
  const tombstoneTtlMs = Math.max(1, toMilliseconds(cacheRest.tombstoneTtl ?? '30s', 'tombstoneTtl'))

  const level = (name: string, which: GeoLevel, redis: GeoRedis, prefix: string) =>
    redisTier({ ...redis, name, prefix, ...levels[which].tier })
  // Definitions of the levels this data center does not read, made now so that bad input fails here.
  const otherRegions = topology.regions
    .filter((region) => region.name !== here.region)
    .map((region) => level(`regional@${region.name}`, 'regional', region.redis, regionalPrefix(region.name)))
  const otherDataCenters = topology.dataCenters
    .filter((dataCenter) => dataCenter.name !== here.name)
    .map((dataCenter) =>
      level(`local@${dataCenter.name}`, 'local', dataCenter.redis, localPrefix(dataCenter.name)),
    )

  const own = (which: GeoLevel, definition: TierDefinition): TierDefinition => ({
    ...definition,
    create: (context) => {
      let tier = definition.create(context)
      parts.own[which] = tier
      const { budgetMs, breaker } = levels[which]
      if (budgetMs !== undefined) {
        const budget = new LatencyBudget(tier, budgetMs, breaker, context.clock)
        parts.budgets.push(budget)
        tier = overrideTier(tier, { read: (keys, now) => budget.read(keys, now) })
      }
      return which === 'global' ? withFanOut(tier, context) : tier
    },
  })
  // The global tier is created last (the stack's order), when this data center's own tiers exist.
  const withFanOut = (global: Tier, context: TierContext): Tier => {
    const created = [...otherRegions, ...otherDataCenters].map((definition) => definition.create(context))
    const regionalTiers = [parts.own.regional as Tier, ...created.slice(0, otherRegions.length)]
    const fanOut = new HierarchyFanOut(
      regionalTiers,
      created.slice(otherRegions.length),
      created,
      tombstoneTtlMs,
    )
    parts.fanOut = fanOut
    return overrideTier(global, {
      write: (fills, now) => fanOut.writeThrough(global, fills, now),
      clear: async () => {
        await global.clear()
        await fanOut.clear()
      },
    })
  }

  const region = findRegion(topology, here.region)
  const tiers: TierDefinition[] = [
    own('local', level('local', 'local', here.redis, localPrefix(here.name))),
    own('regional', level('regional', 'regional', region.redis, regionalPrefix(region.name))),
    own('global', level('global', 'global', topology.global, 'global:')),
  ]
  if (memory !== false) tiers.unshift(memoryTier(memory ?? {}))
  const cacheOptions: CacheOptions = { ...cacheRest, tiers, coordinator: 'global' }
  return { cacheOptions, parts, dataCenter: here.name, region: here.region }
}

/** The key prefix of a data center's local tier (before the namespace). One `:`, as every prefix. */
export function localPrefix(dataCenter: string): string {
  return `local@${dataCenter}:`
}

/** The key prefix of a region's regional tier (before the namespace). One `:`, as every prefix. */
export function regionalPrefix(region: string): string {
  return `regional@${region}:`
}

function checkLevel(options: GeoLevelOptions | undefined, which: GeoLevel) {
  if (options !== undefined && (options === null || typeof options !== 'object'))
    throw new InvalidOptionError(`geoCache ${which} must be an object of level options`)
  const { ttl, budget, timeout, connectTimeout, breaker, compress, role } = options ?? {}
  const budgetOption = budget ?? DEFAULTS[which].budget
  const budgetMs =
    budgetOption === false ? undefined : Math.max(1, toMilliseconds(budgetOption, `${which} budget`))
  return {
    budgetMs,
    breaker: breaker === false || breaker === undefined ? {} : breaker,
    tier: {
      ttl: ttl ?? DEFAULTS[which].ttl,
      ...(timeout !== undefined ? { timeout } : {}),
      ...(connectTimeout !== undefined ? { connectTimeout } : {}),
      ...(breaker !== undefined ? { breaker } : {}),
      ...(compress !== undefined ? { compress } : {}),
      ...(role !== undefined ? { role } : {}),
    },
  }
}
