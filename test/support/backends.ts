import { closeClients, ioredis, ioredisCluster, nodeRedis, nodeRedisCluster } from './fixtures.js'
import { type RedisCluster, startRedisCluster } from './redis-cluster.js'
import { type RedisServer, startRedis } from './redis-server.js'

/**
 * What a shared Redis tier runs on in a test: one redis-server, or a Redis Cluster (3 masters).
 * Engine tests run against both with `describe.each(BACKENDS)`, through this one interface.
 */
export interface RedisBackend {
  readonly kind: 'standalone' | 'cluster'
  /** A command on the server, or on the master of the key it names (`args[1]`). */
  command(...args: string[]): Promise<unknown>
  /** Runs a command on every master (the one server, or each master of a cluster). */
  everyMaster(...args: string[]): Promise<void>
  /** Every master now (the one server, or each master of a cluster), for tests that watch them all (MONITOR). */
  masters(): Promise<RedisServer[]>
  /** The server holding `key`, or serving the (shard) channel `key`: the one server, or its slot's master. */
  serverFor(key: string): Promise<RedisServer>
  /** Empties every node. */
  flushAll(): Promise<void>
  /** Keys held, over every master. */
  countKeys(): Promise<number>
  /** A connected node-redis client (`createClient` / `createCluster`), closed by closeClients(). */
  nodeRedis(): Promise<never>
  /** A connected ioredis client (`Redis` / `Cluster`), closed by closeClients(). */
  ioredis(): Promise<never>
  /** Environment for test/support/cache-worker.ts (HOT_URL or HOT_CLUSTER). */
  readonly workerEnv: Record<string, string>
  /** The name of a coordinator key in this backend's layout, e.g. ('hot:', 'ns', '#tag:t'). */
  coordinatorKey(prefix: string, namespace: string, suffix: string): string
  stop(): Promise<void>
}

export const BACKENDS = ['standalone', 'cluster'] as const

export async function startBackend(
  kind: 'standalone' | 'cluster',
  options: { args?: string[] } = {},
): Promise<RedisBackend> {
  return kind === 'cluster'
    ? clusterBackend(await startRedisCluster({ masters: 3, ...options }))
    : standaloneBackend(await startRedis(options))
}

function standaloneBackend(server: RedisServer): RedisBackend {
  return {
    kind: 'standalone',
    command: (...args) => server.command(...args),
    everyMaster: async (...args) => {
      await server.command(...args)
    },
    masters: async () => [server],
    serverFor: async () => server,
    flushAll: async () => {
      await server.command('FLUSHALL')
    },
    countKeys: async () => Number(await server.command('DBSIZE')),
    nodeRedis: () => nodeRedis(server) as Promise<never>,
    ioredis: () => ioredis(server) as Promise<never>,
    workerEnv: { HOT_URL: server.url },
    coordinatorKey: (prefix, namespace, suffix) => `${prefix}${namespace}${suffix}`,
    stop: () => server.stop(),
  }
}

function clusterBackend(cluster: RedisCluster): RedisBackend {
  return {
    kind: 'cluster',
    command: (...args) => cluster.command(...args),
    everyMaster: async (...args) => {
      await Promise.all((await cluster.masters()).map((node) => node.command(...args)))
    },
    masters: () => cluster.masters(),
    serverFor: (key) => cluster.masterFor(key),
    flushAll: async () => {
      await Promise.all((await cluster.masters()).map((node) => node.command('FLUSHALL')))
    },
    countKeys: async () => {
      const sizes = await Promise.all((await cluster.masters()).map((node) => node.command('DBSIZE')))
      return sizes.reduce((sum: number, size) => sum + Number(size), 0)
    },
    nodeRedis: () => nodeRedisCluster(cluster) as Promise<never>,
    ioredis: () => ioredisCluster(cluster) as Promise<never>,
    workerEnv: { HOT_CLUSTER: cluster.rootNodes.join(',') },
    coordinatorKey: (prefix, namespace, suffix) => `${prefix}{${namespace}}${suffix}`,
    stop: () => cluster.stop(),
  }
}

export { closeClients }
