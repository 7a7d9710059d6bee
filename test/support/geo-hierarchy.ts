import { type GeoTopology, geoTopology } from '../../src/entries/geo.js'
import { type DelayProxy, startDelayProxy } from './delay-proxy.js'
import { type RedisServer, startRedis } from './redis-server.js'

/** Round trip each level costs through its proxy (half of it each way). */
export interface LevelRoundTrips {
  local: number
  regional: number
  global: number
}

/** One Redis server of the hierarchy, behind its delay proxy. */
export interface GeoServer {
  readonly level: 'local' | 'regional' | 'global'
  /** The data center, region or 'global'. */
  readonly name: string
  readonly redis: RedisServer
  readonly proxy: DelayProxy
}

export interface GeoHierarchy {
  readonly topology: GeoTopology
  /** global, regional eu and us, local eu-west, eu-north, us-east, us-west. */
  readonly servers: readonly GeoServer[]
  server(name: string): GeoServer
  /** FLUSHALL on every server (between tests). */
  flush(): Promise<void>
  /** Closes the proxies and stops every server (by pid), also when some did not start. */
  stop(): Promise<void>
}

/** 2 regions × 2 data centers, as in the seed's Architecture 3. */
export const REGIONS = { eu: ['eu-west', 'eu-north'], us: ['us-east', 'us-west'] } as const
export const DATA_CENTERS = [...REGIONS.eu, ...REGIONS.us]

/**
 * Starts the 7 redis-server processes of a 2 × 2 hierarchy (1 global, 2 regional, 4 local), each behind
 * a delay proxy, and the topology pointing at the proxies.
 */
export async function startGeoHierarchy(roundTrips: LevelRoundTrips): Promise<GeoHierarchy> {
  const plan: { level: GeoServer['level']; name: string }[] = [
    { level: 'global', name: 'global' },
    ...Object.keys(REGIONS).map((name) => ({ level: 'regional' as const, name })),
    ...DATA_CENTERS.map((name) => ({ level: 'local' as const, name })),
  ]
  const started = await Promise.allSettled(plan.map(() => startRedis()))
  const redisServers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
  const proxies: DelayProxy[] = []
  const stop = async () => {
    await Promise.all(proxies.map((proxy) => proxy.close()))
    await Promise.all(redisServers.map((server) => server.stop()))
  }
  const failed = started.find((result) => result.status === 'rejected')
  if (failed) {
    await stop()
    throw (failed as PromiseRejectedResult).reason
  }
  const servers: GeoServer[] = []
  for (const [i, { level, name }] of plan.entries()) {
    const redis = redisServers[i] as RedisServer
    const proxy = await startDelayProxy({ port: redis.port }, roundTrips[level] / 2)
    proxies.push(proxy)
    servers.push({ level, name, redis, proxy })
  }
  const byName = (name: string) => {
    const found = servers.find((server) => server.name === name)
    if (!found) throw new Error(`no server ${name}`)
    return found
  }
  const topology = geoTopology({
    global: { url: byName('global').proxy.url },
    regions: Object.keys(REGIONS).map((name) => ({ name, redis: { url: byName(name).proxy.url } })),
    dataCenters: Object.entries(REGIONS).flatMap(([region, dataCenters]) =>
      dataCenters.map((name) => ({ name, region, redis: { url: byName(name).proxy.url } })),
    ),
  })
  return {
    topology,
    servers,
    server: byName,
    flush: async () => {
      await Promise.all(servers.map((server) => server.redis.command('FLUSHALL')))
    },
    stop,
  }
}
