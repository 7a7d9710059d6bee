import { describe, expect, test } from 'vitest'
import { createCache, memoryTier, redisTier, type TierCache } from '../../src/index.js'
import { clusterDrivers, expectWritesToReach, fileCluster } from '../support/fixtures.js'

/**
 * A cluster whose servers do not know sharded pub/sub (as before Redis 7): SSUBSCRIBE and SPUBLISH are
 * renamed away, so the bus must fall back to classic SUBSCRIBE and PUBLISH.
 */
const { cluster, caches } = fileCluster({
  masters: 3,
  args: ['--rename-command', 'SSUBSCRIBE', '', '--rename-command', 'SPUBLISH', ''],
})

describe.each(clusterDrivers(cluster))(
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
      const masters = await cluster().masters()
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
