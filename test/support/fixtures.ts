import { Cluster, Redis } from 'ioredis'
import { createClient, createCluster } from 'redis'
import { afterAll, afterEach, beforeAll, expect } from 'vitest'
import type { TierCache } from '../../src/index.js'
import { type ClusterOptions, type RedisCluster, startRedisCluster } from './redis-cluster.js'
import type { RedisServer } from './redis-server.js'
import { waitFor } from './wait.js'

/** Clients opened by a test file; `closeClients()` in afterAll/afterEach closes them all. */
const clients = new Set<{ close(): Promise<unknown> }>()

/** A connected node-redis client (with an error listener, so a killed server does not crash the test). */
export async function nodeRedis(server: RedisServer) {
  const client = createClient({ url: server.url, socket: { reconnectStrategy: () => 50 } })
  client.on('error', () => undefined)
  await client.connect()
  clients.add({
    close: async () => {
      if (client.isReady) await client.close()
      else if (client.isOpen) client.destroy()
    },
  })
  return client
}

/** A connected ioredis client. */
export async function ioredis(server: RedisServer): Promise<Redis> {
  const client = new Redis({
    port: server.port,
    host: '127.0.0.1',
    lazyConnect: true,
    retryStrategy: () => 50,
  })
  client.on('error', () => undefined)
  await client.connect()
  clients.add({
    close: () => (client.status === 'end' ? Promise.resolve() : client.quit().catch(() => undefined)),
  })
  return client
}

/**
 * A connected node-redis cluster client (`createCluster`). Nodes fail commands at once while
 * unreachable, and the topology is re-read soon after a node drops, so a failover is followed quickly.
 */
export async function nodeRedisCluster(cluster: RedisCluster) {
  const client = createCluster({
    rootNodes: cluster.rootNodes.map((url) => ({ url })),
    defaults: { disableOfflineQueue: true, socket: { reconnectStrategy: () => 50 } },
    topologyRefreshOnReconnectionAttemptStrategy: 200,
  })
  client.on('error', () => undefined)
  await client.connect()
  clients.add({
    close: async () => {
      if (client.isOpen) await client.close().catch(() => client.destroy())
    },
  })
  return client
}

/** A connected ioredis `Cluster` client. */
export async function ioredisCluster(cluster: RedisCluster): Promise<Cluster> {
  const client = new Cluster(
    cluster.rootNodes.map((url) => ({ host: '127.0.0.1', port: Number(new URL(url).port) })),
    { lazyConnect: true, clusterRetryStrategy: () => 50, enableOfflineQueue: false },
  )
  client.on('error', () => undefined)
  await client.connect()
  clients.add({
    close: () =>
      client.status === 'end'
        ? Promise.resolve()
        : client.quit().then(
            () => undefined,
            () => undefined,
          ),
  })
  return client
}

/** Both cluster clients, for `describe.each`: `cluster` is read when a test connects. */
export function clusterDrivers(cluster: () => RedisCluster) {
  return [
    { driver: 'node-redis', connect: () => nodeRedisCluster(cluster()) },
    { driver: 'ioredis', connect: () => ioredisCluster(cluster()) },
  ] as const
}

/**
 * Loads `product:1` through `a`, checks `b` serves it from its memory tier, then shows that a `set` and
 * a `delete` made through `a` reach `b`'s memory tier (over the invalidation bus).
 */
export async function expectWritesToReach(a: TierCache, b: TierCache, sharedTier: string): Promise<void> {
  await a.getOrLoad('product:1', () => ({ price: 10 }))
  await a.idle()
  expect(await servedBy(b, () => b.get('product:1'))).toMatchObject({ source: sharedTier })
  expect(await servedBy(b, () => b.get('product:1'))).toMatchObject({ source: 'memory' })

  await a.set('product:1', { price: 12 })
  await waitFor(async () => (await b.get<{ price: number }>('product:1'))?.price === 12, {
    what: 'b to see the set',
  })

  await a.delete('product:1')
  await waitFor(async () => (await b.get('product:1')) === undefined, { what: 'b to see the delete' })
}

export async function closeClients(): Promise<void> {
  const open = [...clients]
  clients.clear()
  await Promise.all(open.map((client) => client.close().catch(() => undefined)))
}

/**
 * Runs `read` and names the tier that answered it ('loader' when none did), by comparing per-tier
 * hit counters before and after.
 */
export async function servedBy<T>(
  cache: TierCache,
  read: () => Promise<T>,
): Promise<{ value: T; source: string }> {
  const before = cache.stats()
  const value = await read()
  const after = cache.stats()
  if (after.loads > before.loads) return { value, source: 'loader' }
  const tier = after.tiers.find((t, i) => t.hits > (before.tiers[i]?.hits ?? 0))
  return { value, source: tier?.name ?? 'none' }
}

/**
 * A stampede: `callersPerCache` concurrent `getOrLoad(key)` in every cache, one loader for all that
 * returns `value` once every other cache waits for its lease (so every cache takes part while it
 * runs). Returns what the callers got and how often the loader ran.
 */
export async function stampede(
  caches: readonly Pick<TierCache, 'getOrLoad' | 'stats'>[],
  key: string,
  { callersPerCache, value }: { callersPerCache: number; value: string },
): Promise<{ values: string[]; loads: number }> {
  let loads = 0
  const othersWaiting = () =>
    caches.reduce((sum, cache) => sum + cache.stats().leaseWaits, 0) >= caches.length - 1
  const loader = async () => {
    loads++
    await waitFor(othersWaiting, { what: 'the other caches to wait for the lease', timeoutMs: 20_000 })
    return value
  }
  const values = await Promise.all(
    caches.flatMap((cache) => Array.from({ length: callersPerCache }, () => cache.getOrLoad(key, loader))),
  )
  return { values, loads }
}

/** PTTL of a raw key on a server, in ms (-2 when missing, -1 when it has no expiry). */
export async function pttl(server: RedisServer, key: string): Promise<number> {
  return Number(await server.command('PTTL', key))
}

/**
 * A Redis Cluster of the test file's own, started before its tests and stopped after them; after each
 * test, the caches it pushed into `caches` and every client made here are closed. Call it at the top
 * of the file; `cluster()` is the running cluster.
 */
export function fileCluster(options: ClusterOptions): { cluster: () => RedisCluster; caches: TierCache[] } {
  let started: RedisCluster | undefined
  const caches: TierCache[] = []
  beforeAll(async () => {
    started = await startRedisCluster(options)
  }, 60_000)
  afterEach(async () => {
    await Promise.all(caches.splice(0).map((cache) => cache.close()))
    await closeClients()
  })
  afterAll(async () => {
    await started?.stop()
  })
  const cluster = () => {
    if (started === undefined) throw new Error('the test cluster has not started')
    return started
  }
  return { cluster, caches }
}
