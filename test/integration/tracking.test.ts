import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { createCache, memoryTier, redisTier, type TierCache } from '../../src/index.js'
import { closeClients, ioredis, nodeRedis, servedBy } from '../support/fixtures.js'
import { type RedisServer, startRedis } from '../support/redis-server.js'
import { waitFor } from '../support/wait.js'

let redis: RedisServer
const caches: TierCache[] = []

beforeAll(async () => {
  redis = await startRedis()
})
afterEach(async () => {
  await Promise.all(caches.splice(0).map((cache) => cache.close()))
  await closeClients()
  await redis.command('FLUSHALL')
})
afterAll(async () => {
  await redis?.stop()
})

describe.each([
  ['node-redis', async () => nodeRedis(redis)],
  ['ioredis', async () => ioredis(redis)],
])('server-assisted invalidation (CLIENT TRACKING, %s)', (_driver, connect) => {
  async function trackingCache(bus: boolean): Promise<TierCache> {
    const cache = createCache({
      namespace: 'trk',
      tiers: [memoryTier(), redisTier({ name: 'hot', client: await connect() })],
      sync: { tracking: true, bus },
    })
    caches.push(cache)
    expect(await cache.ready()).toBe(true)
    return cache
  }

  test('a write by any other client (as redis-cli would) drops our memory copy', async () => {
    const cache = await trackingCache(false)
    await cache.set('product:1', 'ours')
    expect(await servedBy(cache, () => cache.get('product:1'))).toEqual({ source: 'memory', value: 'ours' })
    // Our own write did not come back as an invalidation (NOLOOP): the value is still in memory.
    expect(await servedBy(cache, () => cache.get('product:1'))).toMatchObject({ source: 'memory' })

    await redis.command('DEL', 'hot:trk:product:1')
    await waitFor(async () => (await servedBy(cache, () => cache.get('product:1'))).source === 'none', {
      what: 'the DEL to reach memory',
    })

    await cache.set('product:2', 'ours')
    await redis.command('SET', 'hot:trk:product:2', 'written by another language, not an entry')
    await waitFor(async () => (await cache.get('product:2')) === undefined, {
      what: 'the foreign SET to reach memory',
    })
    expect(cache.stats().tiers[1]?.decodeErrors).toBeGreaterThan(0)
  })

  /**
   * Waits until a cache has handled every invalidation Redis sent it before now: another client
   * changes a marker key, and the cache reports it (in `invalidated`) after the others.
   */
  async function invalidationsHandled(invalidated: string[][]): Promise<void> {
    const marker = `marker:${Math.random()}`
    await redis.command('SET', `hot:trk:${marker}`, 'not an entry')
    await waitFor(() => invalidated.some((keys) => keys.includes(marker)), {
      timeoutMs: 20_000,
      what: 'the marker invalidation',
    })
  }

  test('its own writes (loads, sets, deletes, all run as scripts) do not evict its own memory copies', async () => {
    const cache = await trackingCache(false)
    const invalidated: string[][] = []
    cache.on('invalidated', ({ keys }) => invalidated.push([...keys]))
    await cache.getOrLoad('loaded', () => 'from the loader')
    await cache.set('written', 'by set')
    await cache.getMany(['a', 'b'], (keys) => keys.map((key) => `many ${key}`))
    await cache.delete('deleted')
    await cache.idle()
    await invalidationsHandled(invalidated)

    expect(invalidated.flat().filter((key) => !key.startsWith('marker:'))).toEqual([])
    for (const [key, value] of [
      ['loaded', 'from the loader'],
      ['written', 'by set'],
      ['a', 'many a'],
    ] as const) {
      expect(await servedBy(cache, () => cache.get(key))).toEqual({ source: 'memory', value })
    }
  })

  test("another cache's writes to the same keys still evict our copies, however they interleave with ours", async () => {
    const [ours, theirs] = await Promise.all([trackingCache(false), trackingCache(false)])
    const invalidated: string[][] = []
    ours.on('invalidated', ({ keys }) => invalidated.push([...keys]))

    await ours.set('shared', 'ours')
    await theirs.set('shared', 'theirs')
    await waitFor(async () => (await ours.get('shared')) === 'theirs', { what: 'their set to reach us' })
    expect(invalidated.flat()).toContain('shared')

    await ours.getOrLoad('loaded', () => 'ours')
    await theirs.delete('loaded')
    await waitFor(async () => (await ours.get('loaded')) === undefined, { what: 'their delete to reach us' })

    // Both write the same keys at once, many times: whichever write Redis keeps last, ours ends up with it.
    for (let round = 0; round < 20; round++) {
      const key = `race:${round % 4}`
      await Promise.all([ours.set(key, `ours ${round}`), theirs.set(key, `theirs ${round}`)])
    }
    await Promise.all([ours.idle(), theirs.idle()])
    const reader = createCache({
      namespace: 'trk',
      tiers: [redisTier({ name: 'hot', client: await connect() })],
      sync: { bus: false },
    })
    caches.push(reader)
    for (const key of ['race:0', 'race:1', 'race:2', 'race:3']) {
      const stored = await reader.get(key)
      await waitFor(async () => (await ours.get(key)) === stored, { what: `${key} to match Redis` })
    }
  })

  test('FLUSHALL (a null invalidation) drops every memory entry', async () => {
    const cache = await trackingCache(false)
    await cache.set('a', 1)
    await cache.set('b', 2)
    await redis.command('FLUSHALL')
    await waitFor(async () => (await cache.get('a')) === undefined && (await cache.get('b')) === undefined)
  })

  test('when the tracking connection drops, memory is bypassed, then trusted again with nothing kept from before', async () => {
    const cache = await trackingCache(false)
    await cache.set('k', 'before')
    const states: boolean[] = []
    cache.on('syncState', ({ healthy }) => states.push(healthy))
    const clients = String(await redis.command('CLIENT', 'LIST'))
    const tracking = clients.split('\n').find((line) => / flags=\S*t/.test(line))
    expect(tracking).toBeDefined()
    const id = /id=(\d+)/.exec(tracking ?? '')?.[1] as string
    await redis.command('CLIENT', 'KILL', 'ID', id)
    await waitFor(() => states.includes(false), { what: 'the drop to be noticed' })
    // Meanwhile another client changes the key; we must not serve our memory copy.
    await redis.command('DEL', 'hot:trk:k')
    expect(await cache.get('k')).toBeUndefined()
    await waitFor(() => states.at(-1) === true, { what: 'tracking to come back' })
    expect(await cache.get('k')).toBeUndefined()
  })

  test('tracking and the bus together: tag invalidations from another process still apply', async () => {
    const [a, b] = await Promise.all([trackingCache(true), trackingCache(true)])
    await a.getOrLoad('item', () => 'v', { tags: ['group'] })
    await a.idle()
    expect(await b.get('item')).toBe('v')
    await b.invalidateTags(['group'])
    await waitFor(async () => (await a.get('item')) === undefined, { what: 'a to drop the tagged entry' })
  })
})
