import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { createCache, memoryTier, redisTier, type TierCache } from '../../src/index.js'
import { closeClients, clusterDrivers, expectWritesToReach } from '../support/fixtures.js'
import { type RedisCluster, startRedisCluster } from '../support/redis-cluster.js'

/**
 * A cluster whose servers do not know sharded pub/sub (as before Redis 7): SSUBSCRIBE and SPUBLISH are
 * renamed away, so the bus must fall back to classic SUBSCRIBE and PUBLISH.
 */
let cluster: RedisCluster
const caches: TierCache[] = []

beforeAll(async () => {
  cluster = await startRedisCluster({
    masters: 3,
    args: ['--rename-command', 'SSUBSCRIBE', '', '--rename-command', 'SPUBLISH', ''],
  })
}, 60_000)
afterEach(async () => {
  await Promise.all(caches.splice(0).map((cache) => cache.close()))
  await closeClients()
})
afterAll(async () => {
  await cluster?.stop()
})

describe.each(clusterDrivers(() => cluster))(
  'a cluster without sharded pub/sub, through $driver',
  ({ connect }) => {
    async function instance(): Promise<TierCache> {
      const client = (await connect()) as Parameters<typeof redisTier>[0]['client']
      const cache = createCache({
        namespace: 'classic',
        tiers: [memoryTier(), redisTier({ name: 'hot', client })],
      })
      caches.push(cache)
      expect(await cache.ready()).toBe(true)
      return cache
    }

    test('invalidations travel over classic pub/sub: writes through one instance reach the other one’s memory', async () => {
      const masters = await cluster.masters()
      const unknown = await masters[0]
        ?.command('SPUBLISH', 'probe', 'x')
        .catch((error: Error) => error.message)
      expect(unknown).toMatch(/unknown command/i)
      const [a, b] = [await instance(), await instance()]
      await expectWritesToReach(a, b, 'hot')
      const channels = await Promise.all(masters.map((node) => node.command('PUBSUB', 'CHANNELS')))
      expect(channels.flat().length).toBeGreaterThan(0)
    })
  },
)
