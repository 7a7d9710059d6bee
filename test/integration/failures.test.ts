import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { createCache, memoryTier, redisTier, type TierCache } from '../../src/index.js'
import { closeClients, nodeRedis } from '../support/fixtures.js'
import { freePort, type RedisServer, startRedis } from '../support/redis-server.js'
import { waitFor } from '../support/wait.js'

let hot: RedisServer

beforeAll(async () => {
  hot = await startRedis()
})
afterEach(async () => {
  await closeClients()
})
afterAll(async () => {
  await hot?.stop()
})

/** Concurrent callers reading keys in a loop until stopped; collects every error a caller sees. */
function readLoop(cache: TierCache, callers: number, keys: number) {
  let running = true
  let reads = 0
  const errors: unknown[] = []
  const loops = Array.from({ length: callers }, async (_, caller) => {
    let i = caller
    while (running) {
      const key = `k${i++ % keys}`
      try {
        const value = await cache.getOrLoad(key, async () => `value-${key}`)
        if (value !== `value-${key}`) errors.push(new Error(`wrong value ${String(value)} for ${key}`))
      } catch (error) {
        errors.push(error)
      }
      reads++
      if (reads % 50 === 0) await new Promise((resolve) => setImmediate(resolve))
    }
  })
  return {
    errors,
    get reads() {
      return reads
    },
    async stop() {
      running = false
      await Promise.all(loops)
    },
  }
}

const hotStats = (cache: TierCache) => cache.stats().tiers.find((tier) => tier.name === 'hot')

describe.each([
  [
    'a client tiercache creates from a URL',
    async () => redisTier({ name: 'hot', url: hot.url, timeout: 200 }),
  ],
  [
    'a node-redis client passed in',
    async () => redisTier({ name: 'hot', client: await nodeRedis(hot), timeout: 200 }),
  ],
])('kill -9 of the hot tier during 10,000 getOrLoad calls (%s)', (_name, makeTier) => {
  test('no call fails; after the restart the tier serves hits again within 1 s', async () => {
    const cache = createCache({ namespace: 'kill', tiers: [memoryTier({ ttl: 5 }), await makeTier()] })
    await cache.ready()
    const loop = readLoop(cache, 8, 200)
    await waitFor(() => (hotStats(cache)?.hits ?? 0) > 200, { what: 'hot hits before the kill' })

    await hot.kill9()
    const readsAtKill = loop.reads
    await waitFor(() => loop.reads > readsAtKill + 1000, { what: 'reads while the tier is down' })
    const downStats = hotStats(cache)
    expect((downStats?.errors ?? 0) + (downStats?.skipped ?? 0)).toBeGreaterThan(0)

    await hot.restart()
    const hitsAfterRestart = hotStats(cache)?.hits ?? 0
    const restartedAt = Date.now()
    await waitFor(() => (hotStats(cache)?.hits ?? 0) > hitsAfterRestart + 10, {
      what: 'hot hits after restart',
      intervalMs: 2,
    })
    const recoveredInMs = Date.now() - restartedAt
    await waitFor(() => loop.reads >= 10_000, { what: '10,000 calls', timeoutMs: 20_000 })
    await loop.stop()

    expect(loop.errors).toEqual([])
    expect(loop.reads).toBeGreaterThanOrEqual(10_000)
    expect(recoveredInMs).toBeLessThan(1000)
    await cache.close()
  })
})

describe('a Redis tier that is down from the start', () => {
  test('is skipped and counted; callers get loader values; nothing rejects unhandled', async () => {
    const port = await freePort()
    const cache = createCache({
      namespace: 'down',
      tiers: [memoryTier(), redisTier({ name: 'hot', url: `redis://127.0.0.1:${port}` })],
    })
    const tierErrors: string[] = []
    cache.on('tierError', ({ operation }) => tierErrors.push(operation))
    expect(await cache.getOrLoad('k', () => 'from loader')).toBe('from loader')
    expect(await cache.getOrLoad('k', () => 'not again')).toBe('from loader')
    await cache.set('other', 1)
    await cache.delete('other')
    expect(await cache.getMany(['a', 'b'], (keys) => keys)).toEqual(['a', 'b'])
    expect(hotStats(cache)?.skipped).toBeGreaterThan(0)
    await waitFor(() => tierErrors.includes('connect'), { what: 'a connect error report' })
    await cache.close()
  })
})

describe('a stalled warm tier (SIGSTOP), with the circuit breaker', () => {
  test('p99 latency stays below the tier timeout plus the loader time; after SIGCONT the tier is used again', async () => {
    const warm = await startRedis()
    const [hotClient, warmClient] = await Promise.all([nodeRedis(hot), nodeRedis(warm)])
    const cache = createCache({
      namespace: 'stall',
      tiers: [
        redisTier({ name: 'hot', client: hotClient, ttl: 50 }),
        redisTier({
          name: 'warm',
          client: warmClient,
          ttl: '1h',
          timeout: 100,
          breaker: { failureThreshold: 3, openMs: 300 },
        }),
      ],
      load: { lease: false },
    })
    const states: string[] = []
    cache.on('tierState', ({ tier, breaker }) => tier === 'warm' && breaker && states.push(breaker))
    // The database's own latency: part of each call's latency measured below, not a wait of the test.
    const loaderMs = 10
    const loader = (key: string) => async () => {
      await new Promise((resolve) => setTimeout(resolve, loaderMs))
      return `value ${key}`
    }
    const keys = Array.from({ length: 300 }, (_, i) => `k${i}`)
    await cache.getMany(keys, (batch) => batch.map((key) => `value ${key}`))
    await cache.idle()

    const latencies: number[] = []
    let running = true
    const callers = Array.from({ length: 16 }, async (_, caller) => {
      for (let i = caller; running; i += 16) {
        const key = keys[i % keys.length] as string
        const started = performance.now()
        await cache.getOrLoad(key, loader(key))
        latencies.push(performance.now() - started)
      }
    })
    await waitFor(() => latencies.length > 500, { what: 'traffic before the stall' })
    warm.pause()
    latencies.length = 0
    try {
      // Before three failures open the breaker, two rounds of the 16 callers wait out a timeout: ~0.5 % of 6,000.
      // On a fast machine 6,000 calls can all be hot hits, done before a hot entry expires (50 ms) and a
      // read first waits on the stalled tier: the stall is measured until the breaker has opened too.
      await waitFor(() => latencies.length >= 6000 && states.includes('open'), {
        what: '6,000 calls during the stall, and the breaker to open',
        timeoutMs: 30_000,
      })
    } finally {
      warm.resume()
    }
    const during = [...latencies].sort((a, b) => a - b)
    const p99 = during[Math.floor(during.length * 0.99)] as number
    const slow = during.filter((ms) => ms >= 100).length
    expect(p99, `${slow} of ${during.length} calls took 100 ms or more`).toBeLessThan(100 + loaderMs)
    expect(states).toContain('open')

    const warmHits = cache.stats().tiers[1]?.hits ?? 0
    await waitFor(() => states.at(-1) === 'closed', { what: 'the breaker to close after SIGCONT' })
    await waitFor(() => (cache.stats().tiers[1]?.hits ?? 0) > warmHits, { what: 'warm hits again' })
    running = false
    await Promise.all(callers)
    expect(cache.stats().tiers[1]).toMatchObject({ state: 'up', breaker: 'closed' })
    await cache.close()
    await warm.stop()
  }, 60_000)
})

describe('a Redis tier at maxmemory with noeviction', () => {
  test('writes fail and are counted, reads keep working, callers get values', async () => {
    const full = await startRedis({ args: ['--maxmemory', '3mb', '--maxmemory-policy', 'noeviction'] })
    const client = await nodeRedis(full)
    const cache = createCache({ namespace: 'oom', tiers: [redisTier({ name: 'hot', client, timeout: 500 })] })
    const blob = 'x'.repeat(2000)
    let stored = 0
    for (; stored < 5000; stored++) {
      await cache.set(`k${stored}`, blob)
      if ((cache.stats().tiers[0]?.errors ?? 0) > 0) break
    }
    expect(stored).toBeGreaterThan(100)
    expect(stored).toBeLessThan(5000)
    // Reads of what is there still work…
    expect(await cache.get('k0')).toBe(blob)
    expect(await cache.getOrLoad('k1', () => 'not needed')).toBe(blob)
    // …and new keys still reach the caller, though they cannot be cached.
    const errorsBefore = cache.stats().tiers[0]?.errors ?? 0
    expect(await cache.getOrLoad('new-key', () => 'from the loader')).toBe('from the loader')
    await cache.idle()
    const stats = cache.stats().tiers[0]
    expect(stats?.errors).toBeGreaterThan(errorsBefore)
    expect(stats).toMatchObject({ state: 'up', breaker: 'closed' }) // an OOM reply means the server is up
    expect(stats?.hits).toBeGreaterThanOrEqual(2)
    await cache.close()
    await full.stop()
  })
})

describe('a stalled Redis tier (SIGSTOP)', () => {
  test('reads give up after the tier timeout and fall through to the loader', async () => {
    const stalled = await startRedis()
    const client = await nodeRedis(stalled)
    const cache = createCache({
      namespace: 'stall',
      tiers: [redisTier({ name: 'hot', client, timeout: 100 })],
    })
    await cache.set('k', 'cached')
    stalled.pause()
    try {
      const started = performance.now()
      expect(await cache.getOrLoad('k', () => 'from loader')).toBe('from loader')
      expect(performance.now() - started).toBeLessThan(100 + 60) // one tier timeout, with slack
      expect(hotStats(cache)?.errors).toBeGreaterThanOrEqual(1)
    } finally {
      stalled.resume()
    }
    await waitFor(async () => (await cache.get('k')) !== undefined, { what: 'the tier answering again' })
    await cache.close()
    await stalled.stop()
  })
})

describe('a set or delete a Redis tier in service did not take (it answered OOM)', () => {
  test('is written again once the tier takes writes, without waiting for an outage', async () => {
    const [refusing, warm] = await Promise.all([startRedis(), startRedis()])
    const tiers = () => [
      redisTier({ name: 'hot', url: refusing.url, timeout: 500 }),
      redisTier({ name: 'warm', url: warm.url, timeout: 500 }),
    ]
    const writer = createCache({ namespace: 'missed', tiers: tiers() })
    // Another process with no memory tier: every read asks the hot tier first.
    const reader = createCache({ namespace: 'missed', tiers: tiers() })
    try {
      await Promise.all([writer.ready(), reader.ready()])
      await writer.set('kept', 'v1')
      await writer.set('deleted', 'v1')
      expect(await reader.get('kept')).toBe('v1')

      await refusing.command('CONFIG', 'SET', 'maxmemory', '1', 'maxmemory-policy', 'noeviction')
      const errorsBefore = hotStats(writer)?.errors ?? 0
      await writer.set('kept', 'v2')
      await writer.delete('deleted')
      expect(hotStats(writer)?.errors).toBeGreaterThan(errorsBefore)
      expect(hotStats(writer)).toMatchObject({ state: 'up', breaker: 'closed' })
      // While the server refuses, retries back off rather than hammer it.
      const refusedAt = hotStats(writer)?.errors ?? 0
      await new Promise((resolve) => setTimeout(resolve, 1000))
      expect((hotStats(writer)?.errors ?? 0) - refusedAt).toBeLessThan(20)

      await refusing.command('CONFIG', 'SET', 'maxmemory', '0')
      await waitFor(async () => (await reader.get('kept')) === 'v2', {
        what: 'the hot tier to take the set it refused',
      })
      await waitFor(async () => (await reader.get('deleted')) === undefined, {
        what: 'the hot tier to take the delete it refused',
      })
    } finally {
      await Promise.all([writer.close(), reader.close()])
      await Promise.all([refusing.stop(), warm.stop()])
    }
  })
})
