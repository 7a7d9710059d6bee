import { createClient } from 'redis'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createCache, memoryTier, redisTier, type TierCache } from '../../src/index.js'
import { type RedisServer, startRedis } from '../support/redis-server.js'
import { waitFor } from '../support/wait.js'

/**
 * The invalidation bus opens a second connection by duplicating the tier's client. A client made with
 * socket options only (no URL) must keep them: the duplicate used to get a fresh `socket` with just a
 * reconnect strategy, and so went to node-redis' default, localhost:6379, instead of the tier's server;
 * the bus never heard its heartbeats and the caches ran with their memory tiers bypassed.
 */
let server: RedisServer
const clients: { close(): Promise<unknown> }[] = []
const caches: TierCache[] = []

beforeAll(async () => {
  server = await startRedis()
})

afterAll(async () => {
  await Promise.all(caches.map((cache) => cache.close()))
  await Promise.all(clients.map((client) => client.close()))
  await server?.stop()
})

async function instance(): Promise<TierCache> {
  const client = createClient({ socket: { host: '127.0.0.1', port: server.port } })
  clients.push(client)
  await client.connect()
  const cache = createCache({ namespace: 'sock', tiers: [memoryTier(), redisTier({ name: 'hot', client })] })
  caches.push(cache)
  // Ready means the bus hears its own heartbeats: its subscriber is on the same server as its publisher.
  expect(await cache.ready({ timeout: '10s' })).toBe(true)
  return cache
}

test("a client given by socket options: the bus connects to the tier's own server", async () => {
  const [a, b] = [await instance(), await instance()]
  await a.set('k', 'old')
  expect(await b.get('k')).toBe('old') // now in b's memory tier
  await a.delete('k')
  await waitFor(async () => (await b.get('k')) === undefined, {
    timeoutMs: 10_000,
    what: "the delete to reach the other cache's memory tier over the bus",
  })
})
