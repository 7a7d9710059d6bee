// The package's own entry: its error class, not a second copy.
import { InvalidOptionError } from 'tiercache'
import { redactUrl } from '../redact.js'
import type { IoredisLike, NodeRedisLike } from '../tiers/redis/connection.js'

/** Where one level's Redis is: a `redis://` URL (tiercache connects) or a connected client of yours. */
export interface GeoRedis {
  url?: string
  client?: NodeRedisLike | IoredisLike
}

/** A region: its regional Redis, shared by its data centers. */
export interface GeoRegion {
  /** 1-64 of `A-Za-z0-9_.-`; part of the regional key prefix (`regional@<name>:`). */
  name: string
  redis: GeoRedis
}

/** A data center: the region it belongs to and its local Redis. */
export interface GeoDataCenter {
  /** 1-64 of `A-Za-z0-9_.-`; part of the local key prefix (`local@<name>:`). */
  name: string
  /** The name of one of the topology's regions. */
  region: string
  redis: GeoRedis
}

/**
 * The seed's Architecture 3 as data: one global Redis, a regional Redis per region and a local Redis
 * per data center. Give it to {@link geoTopology} to validate it, then to `geoCache()` per data center.
 */
export interface GeoTopologyOptions {
  global: GeoRedis
  regions: readonly GeoRegion[]
  dataCenters: readonly GeoDataCenter[]
}

/** A validated topology (see {@link geoTopology}); frozen. */
export interface GeoTopology {
  readonly global: GeoRedis
  readonly regions: readonly GeoRegion[]
  readonly dataCenters: readonly GeoDataCenter[]
}

const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/

/**
 * Validates a geographic topology before anything connects: names are unique and usable in key
 * prefixes, every data center names an existing region, every region has a data center, and every
 * level has exactly one of `url` or `client`.
 *
 * @throws {InvalidOptionError} naming the problem.
 * @example
 * ```ts
 * const topology = geoTopology({
 *   global: { url: 'redis://global.example:6379' },
 *   regions: [{ name: 'eu', redis: { url: 'redis://eu.example:6379' } }],
 *   dataCenters: [{ name: 'eu-west', region: 'eu', redis: { url: 'redis://eu-west.example:6379' } }],
 * })
 * ```
 */
export function geoTopology(options: GeoTopologyOptions): GeoTopology {
  if (options === null || typeof options !== 'object')
    throw new InvalidOptionError('geoTopology needs an object with global, regions and dataCenters')
  checkRedis(options.global, 'the global level')
  const regions = checkList(options.regions, 'regions')
  const dataCenters = checkList(options.dataCenters, 'dataCenters')
  const regionNames = new Set<string>()
  for (const region of regions) {
    checkName(region.name, 'region', regionNames)
    checkRedis(region.redis, `region "${region.name}"`)
  }
  const dataCenterNames = new Set<string>()
  const regionsUsed = new Set<string>()
  for (const dataCenter of dataCenters) {
    checkName(dataCenter.name, 'data center', dataCenterNames)
    if (dataCenter.region === undefined)
      throw new InvalidOptionError(`data center "${dataCenter.name}" has no region`)
    if (!regionNames.has(dataCenter.region)) {
      throw new InvalidOptionError(
        `data center "${dataCenter.name}" names region "${String(dataCenter.region)}", which is not in regions (${[...regionNames].join(', ')})`,
      )
    }
    regionsUsed.add(dataCenter.region)
    checkRedis(dataCenter.redis, `data center "${dataCenter.name}"`)
  }
  for (const name of regionNames) {
    if (!regionsUsed.has(name)) throw new InvalidOptionError(`region "${name}" has no data center`)
  }
  return Object.freeze({
    global: options.global,
    regions: Object.freeze(regions.map((region) => Object.freeze({ ...region }))),
    dataCenters: Object.freeze(dataCenters.map((dataCenter) => Object.freeze({ ...dataCenter }))),
  })
}

/** The data center called `name`, or an error listing the known ones. */
export function findDataCenter(topology: GeoTopology, name: unknown): GeoDataCenter {
  const found = topology.dataCenters.find((dataCenter) => dataCenter.name === name)
  if (found === undefined) {
    throw new InvalidOptionError(
      `unknown data center ${typeof name === 'string' ? `"${name}"` : String(name)}; the topology has ${topology.dataCenters.map((dataCenter) => dataCenter.name).join(', ')}`,
    )
  }
  return found
}

/** The region called `name` (validated topologies always have it). */
export function findRegion(topology: GeoTopology, name: string): GeoRegion {
  return topology.regions.find((region) => region.name === name) as GeoRegion
}

function checkList<T>(list: readonly T[] | undefined, what: string): readonly T[] {
  if (!Array.isArray(list) || list.length === 0)
    throw new InvalidOptionError(`geoTopology needs a non-empty ${what} array`)
  for (const item of list) {
    if (item === null || typeof item !== 'object')
      throw new InvalidOptionError(`every entry of ${what} must be an object`)
  }
  return list
}

function checkName(name: unknown, what: string, seen: Set<string>): void {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new InvalidOptionError(
      `${what} names must be 1-64 characters of A-Z a-z 0-9 _ . -; got ${typeof name === 'string' ? `"${name}"` : typeof name}`,
    )
  }
  if (seen.has(name)) throw new InvalidOptionError(`two ${what}s are named "${name}"`)
  seen.add(name)
}

function checkRedis(redis: GeoRedis | undefined, what: string): void {
  if (redis === null || typeof redis !== 'object')
    throw new InvalidOptionError(`${what} needs redis: { url } or redis: { client }`)
  if ((redis.url === undefined) === (redis.client === undefined))
    throw new InvalidOptionError(`${what} needs exactly one of redis.url or redis.client`)
  if (redis.url !== undefined && !/^rediss?:\/\//.test(redis.url)) {
    throw new InvalidOptionError(
      `${what} redis.url must start with redis:// or rediss://; got "${redactUrl(String(redis.url))}"`,
    )
  }
}
