import { describe, expect, test } from 'vitest'
import { createCache, memoryTier, redisTier } from '../../src/index.js'
import { clusterDrivers, fileCluster, servedBy } from '../support/fixtures.js'
import { waitFor } from '../support/wait.js'

/**
 * A master of a 6-node cluster (3 masters, 3 replicas) is killed with SIGKILL while callers keep
 * reading: they must see no errors (the tier is skipped meanwhile), the cluster fails over, and the
 * tier serves hits again. The killed node then comes back (as a replica) for the next driver.
 */
const { cluster, caches } = fileCluster({ masters: 3, replicas: 1 })

const drivers = clusterDrivers(cluster)

describe.each(drivers)('failover under load through $driver', ({ connect }) => {
  test('kill -9 of the coordinator’s and the bus’s master: no caller errors, failover, hits again', async () => {
    // A namespace whose coordinator keys and bus channel live on the same master: the one to kill.
    const owner = await cluster().owners()
    let namespace = ''
    for (let i = 0; namespace === ''; i++) {
      const candidate = `fo-${Date.now()}-${i}`
      if (owner(`hot:{${candidate}}#clock`) === owner(`hot:${candidate}#bus`)) namespace = candidate
    }
    const cache = createCache({
      namespace,
      tiers: [redisTier({ name: 'hot', client: (await connect()) as never, timeout: '300ms' })],
    })
    // Another process with a memory tier, kept in sync by the bus.
    const watcher = createCache({
      namespace,
      tiers: [memoryTier(), redisTier({ name: 'hot', client: (await connect()) as never, timeout: '300ms' })],
    })
    caches.push(cache, watcher)
    const busStates: boolean[] = []
    watcher.on('syncState', ({ healthy }) => busStates.push(healthy))
    expect(await cache.ready()).toBe(true)
    expect(await watcher.ready()).toBe(true)
    const keys = Array.from({ length: 60 }, (_, i) => `item:${i}`)
    const loader = ({ key }: { key: string }) => `value of ${key}`
    await cache.getMany(keys, (batch) => batch.map((key) => `value of ${key}`))
    await cache.idle()

    // A stream of reads from 4 concurrent callers until told to stop.
    const errors: string[] = []
    let wrong = 0
    let calls = 0
    let stopping = false
    const caller = async (offset: number) => {
      for (let i = offset; !stopping; i++) {
        const key = keys[i % keys.length] as string
        try {
          if ((await cache.getOrLoad(key, loader)) !== `value of ${key}`) wrong++
          calls++
        } catch (error) {
          errors.push(String(error))
        }
        await new Promise((resolve) => setImmediate(resolve))
      }
    }
    const callers = [0, 15, 30, 45].map((offset) => caller(offset))
    await waitFor(() => calls > 200, { what: 'the stream to run' })

    // The master holding the clock, tag versions and the bus channel's slot: the hardest one to lose.
    const victim = await cluster().masterFor(`hot:{${namespace}}#clock`)
    const onVictim = keys.find((key) => owner(`hot:${namespace}:${key}`) === victim)
    if (onVictim === undefined) throw new Error('no key of the stream lives on the victim')
    const moved = onVictim
    await victim.kill9()
    try {
      const killedAt = calls
      await cluster().waitHealthy(20_000)
      expect(await cluster().masterFor(`hot:{${namespace}}#clock`)).not.toBe(victim)

      // The tier serves hits again, also for a key whose slot moved to the promoted replica.
      // Generous: on a loaded machine the client's slot refresh and the breaker's probes after the
      // failover took over 15 s once.
      await waitFor(async () => (await servedBy(cache, () => cache.get(moved))).source === 'hot', {
        timeoutMs: 30_000,
        intervalMs: 100,
        what: 'hits from the tier after failover',
      })
      await cache.set('after', 'failover') // versions are issued again by the new master
      // `cache` has no memory tier: a value can only come from the cluster (servedBy would count the
      // stream's loads).
      expect(await cache.get('after')).toBe('failover')
      await waitFor(() => calls > killedAt + 200, { what: 'the stream to go on' })

      // The bus noticed the outage: memory tiers were suspended (and are emptied when it comes back).
      // Not asserted: that it comes back within a bound. The subscription is renewed on the promoted
      // replica, but a cluster client that only publishes on the lost shard may keep sending to the
      // dead master for a long time (seen with both clients under load); see docs/redis-cluster.md.
      await waitFor(() => busStates.includes(false), {
        timeoutMs: 10_000,
        what: 'the bus to notice the outage',
      })
    } finally {
      stopping = true
      await Promise.all(callers)
      // Bring the killed node back (it rejoins as a replica) for the next run.
      await victim.restart()
      await cluster().waitHealthy(20_000)
      await cluster().waitForReplicas()
    }

    expect(errors).toEqual([])
    expect(wrong).toBe(0)
    const hot = cache.stats().tiers[0]
    expect((hot?.errors ?? 0) + (hot?.skipped ?? 0)).toBeGreaterThan(0) // the outage was seen, not hidden
    // A breaker opened by the stream's last failures closes only at its next probe.
    await waitFor(() => cache.stats().tiers[0]?.state === 'up', {
      timeoutMs: 10_000,
      what: 'the tier up again',
    })
  }, 120_000)
})
