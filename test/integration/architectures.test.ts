import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { createCache, memoryTier, redisTier } from '../../src/index.js'
import { BACKENDS, type RedisBackend, startBackend } from '../support/backends.js'
import { closeClients, servedBy } from '../support/fixtures.js'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
/** How much later than the writer meant a loaded machine may start a Redis TTL (see its use). */
const WRITE_LATENCY_ALLOWANCE_MS = 250

/** The shared tiers of the describe.each block running now: single servers, then Redis Clusters. */
let hot: RedisBackend
let warm: RedisBackend

async function pttl(backend: RedisBackend, key: string): Promise<number> {
  return Number(await backend.command('PTTL', key))
}

/** Asserts a PTTL is within (expected - slack, expected]. */
function expectTtlNear(actual: number, expected: number, slackMs = 2000): void {
  expect(actual).toBeLessThanOrEqual(expected)
  expect(actual).toBeGreaterThan(expected - slackMs)
}

describe.each(BACKENDS)('on %s Redis', (kind) => {
  beforeAll(async () => {
    ;[hot, warm] = await Promise.all([
      startBackend(kind, { args: ['--maxmemory', '32mb', '--maxmemory-policy', 'allkeys-lfu'] }),
      startBackend(kind, {
        args: ['--appendonly', 'yes', '--maxmemory', '128mb', '--maxmemory-policy', 'volatile-lru'],
      }),
    ])
  }, 60_000)
  afterEach(async () => {
    await closeClients()
    await Promise.all([hot.flushAll(), warm.flushAll()])
  })
  afterAll(async () => {
    await Promise.all([hot?.stop(), warm?.stop()])
  })

  describe('seed Architecture 1: app memory → Redis → database', () => {
    test('miss loads and fills both tiers; then memory serves; a fresh process reads Redis and back-fills memory', async () => {
      const client = await hot.nodeRedis()
      const tiers = () => [memoryTier({ ttl: '5m' }), redisTier({ name: 'redis', client, ttl: '30m' })]
      const app = createCache({ namespace: 'auth', tiers: tiers() })
      expect(await app.ready()).toBe(true) // memory is used once the invalidation bus is up
      let queries = 0
      const loadUser = async () => {
        queries++
        return { username: 'ada', roles: ['admin'] }
      }

      expect(await servedBy(app, () => app.getOrLoad('user:ada', loadUser))).toMatchObject({
        source: 'loader',
      })
      expect(await servedBy(app, () => app.getOrLoad('user:ada', loadUser))).toMatchObject({
        source: 'memory',
      })
      await app.idle() // a load returns before its value reaches Redis
      expectTtlNear(await pttl(hot, 'redis:auth:user:ada'), 30 * MINUTE)

      const otherInstance = createCache({ namespace: 'auth', tiers: tiers() })
      await otherInstance.ready()
      const first = await servedBy(otherInstance, () => otherInstance.getOrLoad('user:ada', loadUser))
      expect(first).toEqual({ source: 'redis', value: { username: 'ada', roles: ['admin'] } })
      expect(
        await servedBy(otherInstance, () => otherInstance.getOrLoad('user:ada', loadUser)),
      ).toMatchObject({
        source: 'memory',
      })
      expect(queries).toBe(1)
      await Promise.all([app.close(), otherInstance.close()])
    })
  })

  describe('seed Architecture 2: Redis hot → Redis warm → database', () => {
    test('hot and warm are separate servers with their own TTLs; a warm hit is promoted to hot with the hot TTL', async () => {
      const [hotClient, warmClient] = await Promise.all([hot.nodeRedis(), warm.nodeRedis()])
      const cache = createCache({
        namespace: 'reco',
        tiers: [
          redisTier({ name: 'hot', client: hotClient, ttl: '10m', role: 'hot' }),
          redisTier({ name: 'warm', client: warmClient, ttl: '24h', role: 'warm', compress: true }),
        ],
      })
      const generate = async () => Array.from({ length: 50 }, (_, i) => ({ product: i, score: 1 / (i + 1) }))

      expect(await servedBy(cache, () => cache.getOrLoad('recommendations:42', generate))).toMatchObject({
        source: 'loader',
      })
      await cache.idle()
      expectTtlNear(await pttl(hot, 'hot:reco:recommendations:42'), 10 * MINUTE)
      expectTtlNear(await pttl(warm, 'warm:reco:recommendations:42'), 24 * HOUR)

      // The hot tier forgets (as after its 10 minutes); the warm tier still has the entry.
      await hot.command('DEL', 'hot:reco:recommendations:42')
      const promoted = await servedBy(cache, () => cache.getOrLoad('recommendations:42', generate))
      expect(promoted.source).toBe('warm')
      expect(promoted.value).toHaveLength(50)
      await cache.idle()
      expectTtlNear(await pttl(hot, 'hot:reco:recommendations:42'), 10 * MINUTE)
      expect(await servedBy(cache, () => cache.getOrLoad('recommendations:42', generate))).toMatchObject({
        source: 'hot',
      })

      const audit = await cache.audit()
      expect(audit.map((report) => report.findings)).toEqual([[], []])
      await cache.close()
    })
  })

  describe("seed 'tiered expiration'", () => {
    test('a promoted copy never outlives the entry: its TTL is the tier TTL capped by the remaining life', async () => {
      const [hotClient, warmClient] = await Promise.all([hot.nodeRedis(), warm.nodeRedis()])
      const cache = createCache({
        namespace: 'data',
        tiers: [
          redisTier({ name: 'l1', client: hotClient, ttl: '5m' }),
          redisTier({ name: 'l2', client: warmClient, ttl: '1h' }),
        ],
      })
      await cache.getOrLoad('data:1', () => 'value', { ttl: '2m' })
      await cache.idle()
      expectTtlNear(await pttl(hot, 'l1:data:data:1'), 2 * MINUTE)
      expectTtlNear(await pttl(warm, 'l2:data:data:1'), 2 * MINUTE)

      await cache.getOrLoad('data:2', () => 'value')
      await cache.idle()
      expectTtlNear(await pttl(hot, 'l1:data:data:2'), 5 * MINUTE)
      expectTtlNear(await pttl(warm, 'l2:data:data:2'), HOUR)

      // The L2 copy has under 2 minutes of life left; promotion must not give L1 its full 5 minutes.
      await hot.command('DEL', 'l1:data:data:1')
      await cache.get('data:1')
      await cache.idle()
      // Each server starts a PX countdown when it runs the write, so a copy outlives the entry's
      // remaining life by that write's latency: a few ms, more on a loaded machine, never minutes.
      const l2Left = await pttl(warm, 'l2:data:data:1')
      expectTtlNear(await pttl(hot, 'l1:data:data:1'), l2Left + WRITE_LATENCY_ALLOWANCE_MS, 1250)
      await cache.close()
    })
  })

  describe('seed section 10: memory → Redis hot → Redis warm → PostgreSQL', () => {
    test('product page flow: each read is served by the tier the seed expects, with its TTL', async () => {
      const [hotClient, warmClient] = await Promise.all([hot.nodeRedis(), warm.nodeRedis()])
      const products = new Map([
        [7, { id: 7, name: 'Desk lamp', price: 39.9, updatedAt: new Date('2024-01-01') }],
      ])
      let queries = 0
      const queryProduct = async (id: number) => {
        queries++
        return products.get(id) ?? null
      }
      const instance = () =>
        createCache({
          namespace: 'shop',
          tiers: [
            memoryTier({ maxEntries: 1000, ttl: '1m' }),
            redisTier({ name: 'hot', client: hotClient, ttl: '30m', role: 'hot' }),
            redisTier({ name: 'warm', client: warmClient, ttl: '24h', role: 'warm', compress: true }),
          ],
        })
      const server1 = instance()
      await server1.ready()
      const product = (cache: ReturnType<typeof instance>, id: number) =>
        cache.getOrLoad(`product:${id}`, () => queryProduct(id))

      const miss = await servedBy(server1, () => product(server1, 7))
      expect(miss.source).toBe('loader')
      expect(miss.value).toEqual(products.get(7))
      await server1.idle()
      expectTtlNear(await pttl(hot, 'hot:shop:product:7'), 30 * MINUTE)
      expectTtlNear(await pttl(warm, 'warm:shop:product:7'), 24 * HOUR)
      expect((await servedBy(server1, () => product(server1, 7))).source).toBe('memory')

      // A second server: its memory is empty, the hot tier answers.
      const server2 = instance()
      await server2.ready()
      expect((await servedBy(server2, () => product(server2, 7))).source).toBe('hot')

      // After the hot tier loses the key, a third server is served by warm, which promotes to hot and memory.
      await hot.command('DEL', 'hot:shop:product:7')
      const server3 = instance()
      await server3.ready()
      const fromWarm = await servedBy(server3, () => product(server3, 7))
      expect(fromWarm.source).toBe('warm')
      expect((fromWarm.value as { updatedAt: Date }).updatedAt).toBeInstanceOf(Date)
      await server3.idle()
      expectTtlNear(await pttl(hot, 'hot:shop:product:7'), 30 * MINUTE)
      expect((await servedBy(server3, () => product(server3, 7))).source).toBe('memory')

      // Non-existent products are cached as null (negative caching), not re-queried.
      expect(await product(server1, 404)).toBeNull()
      expect(await product(server2, 404)).toBeNull()
      expect(queries).toBe(2)
      await Promise.all([server1.close(), server2.close(), server3.close()])
    })
  })
})
