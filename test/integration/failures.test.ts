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
])('kill -9 of the hot tier during reads (%s)', (_name, makeTier) => {
  test('no caller sees an error; the tier is used again once the server is back', async () => {
    const cache = createCache({ namespace: 'kill', tiers: [memoryTier({ ttl: 5 }), await makeTier()] })
    await waitFor(
      () =>
        hotStats(cache) &&
        (cache.stats().tiers[1]?.skipped ?? 0) === 0 &&
        cache.has('warmup').then(() => true),
    )
    const loop = readLoop(cache, 8, 200)
    await waitFor(() => (hotStats(cache)?.hits ?? 0) > 200, { what: 'hot hits before the kill' })

    await hot.kill9()
    const readsAtKill = loop.reads
    await waitFor(() => loop.reads > readsAtKill + 500, { what: 'reads while the tier is down' })
    const downStats = hotStats(cache)
    expect((downStats?.errors ?? 0) + (downStats?.skipped ?? 0)).toBeGreaterThan(0)

    await hot.restart()
    const hitsAfterRestart = hotStats(cache)?.hits ?? 0
    const restartedAt = Date.now()
    await waitFor(() => (hotStats(cache)?.hits ?? 0) > hitsAfterRestart + 50, {
      what: 'hot hits after restart',
      timeoutMs: 5000,
    })
    const recoveredInMs = Date.now() - restartedAt
    await loop.stop()

    expect(loop.errors).toEqual([])
    expect(recoveredInMs).toBeLessThan(3000)
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
