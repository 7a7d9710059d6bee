import { createSentinel } from 'redis'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createCache, memoryTier, redisTier, type TierCache } from '../../src/index.js'
import { type RedisSentinelSetup, startRedisSentinel } from '../support/redis-sentinel.js'
import { waitFor } from '../support/wait.js'

let setup: RedisSentinelSetup
let sentinel: ReturnType<typeof sentinelClient>
let cache: TierCache

function sentinelClient() {
  return createSentinel({
    name: setup.name,
    sentinelRootNodes: [{ host: '127.0.0.1', port: setup.sentinel.port }],
  })
}

beforeAll(async () => {
  setup = await startRedisSentinel()
  sentinel = sentinelClient()
  sentinel.on('error', () => undefined)
  await sentinel.connect()
  cache = createCache({
    namespace: 'sentinel',
    tiers: [
      memoryTier({ ttl: '1m' }),
      redisTier({ name: 'redis', client: sentinel, ttl: '1h', timeout: '500ms' }),
    ],
  })
}, 60_000)

afterAll(async () => {
  await cache?.close()
  await sentinel?.close().catch(() => sentinel.destroy())
  await setup?.stop()
})

test('a node-redis Sentinel client is a Redis tier: loads, sets and deletes reach the master', async () => {
  expect(await cache.ready()).toBe(true)
  expect(await cache.getOrLoad('user:1', async () => ({ name: 'Ada' }))).toEqual({ name: 'Ada' })
  await cache.idle()
  expect(await setup.master.command('EXISTS', 'redis:sentinel:user:1')).toBe(1)

  await cache.set('user:2', { name: 'Grace' })
  expect(await setup.master.command('EXISTS', 'redis:sentinel:user:2')).toBe(1)
  await cache.delete('user:2')
  expect(await cache.get('user:2')).toBeUndefined()
})

test('reads keep answering while Sentinel fails the master over, and the tier follows the new master', async () => {
  const replicaAddress = `127.0.0.1:${setup.replica.port}`
  let failed = 0
  let answered = 0
  let stop = false
  const reader = async (worker: number) => {
    for (let i = 0; !stop; i++) {
      const key = `item:${worker}:${i % 50}`
      try {
        const value = await cache.getOrLoad(key, async () => ({ key }))
        if ((value as { key: string }).key === key) answered++
        else failed++
      } catch {
        failed++
      }
      // Yield to timers between reads: the readers must not starve the client's reconnection.
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  const readers = Array.from({ length: 4 }, (_, worker) => reader(worker))
  try {
    await waitFor(() => answered > 200, { timeoutMs: 15_000, what: 'reads before the failover' })
    await setup.master.kill9()
    await waitFor(async () => (await setup.masterAddress()) === replicaAddress, {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: 'the sentinel to promote the replica',
    })
    // The tier is back once a write through the cache lands on the new master.
    await waitFor(
      async () => {
        await cache.set('after-failover', 1)
        return (await setup.replica.command('EXISTS', 'redis:sentinel:after-failover')) === 1
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'the cache to write to the promoted replica' },
    )
    const before = answered
    await waitFor(() => answered > before + 200, { timeoutMs: 15_000, what: 'reads after the failover' })
  } finally {
    stop = true
    await Promise.all(readers)
  }
  expect(failed).toBe(0)
  // The bus followed the master too: memory tiers are in use again.
  await waitFor(() => cache.stats().synced, { timeoutMs: 15_000, what: 'the bus to resubscribe' })
}, 120_000)
