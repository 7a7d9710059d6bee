import { afterAll, beforeAll, expect, test } from 'vitest'
import { createCache, memoryTier, redisTier } from '../../src/index.js'
import { type DelayProxy, startDelayProxy } from '../support/delay-proxy.js'
import { type RedisServer, startRedis } from '../support/redis-server.js'

let redis: RedisServer
let far: DelayProxy

beforeAll(async () => {
  redis = await startRedis()
  // The reader's connections (commands and the bus) go through 100 ms of network each way.
  far = await startDelayProxy({ port: redis.port }, 100)
})
afterAll(async () => {
  await far?.close()
  await redis?.stop()
})

/** Keeps this process from running anything else (timers, socket reads) for `ms`, as a starved CPU does. */
function starve(ms: number): void {
  const until = Date.now() + ms
  while (Date.now() < until) {
    // busy
  }
}

test('a process too starved to read its bus stops serving memory past the consistency bound', async () => {
  const tiers = (url: string) => [memoryTier({ ttl: '1h' }), redisTier({ name: 'redis', url, ttl: '1h' })]
  const reader = createCache({ namespace: 'starved', tiers: tiers(far.url) })
  const writer = createCache({ namespace: 'starved', tiers: tiers(redis.url) })
  try {
    expect(await reader.ready({ timeout: '10s' })).toBe(true)
    expect(await writer.ready({ timeout: '10s' })).toBe(true)
    await writer.set('price', 1)
    expect(await reader.getOrLoad('price', async () => 1)).toBe(1)
    expect(await reader.get('price')).toBe(1) // from memory

    await writer.set('price', 2) // acknowledged: the invalidation is on its way to the reader, 100 ms out
    // The reader gets no CPU for longer than the bound (2 s) after that acknowledgement, so the
    // invalidation waits unread in its socket; the first thing it then runs is a read. A real stall, not
    // an advanced clock: the memory-tier read path's own reading of the system clock is under test too.
    starve(2_500)
    expect(await reader.get('price')).toBe(2)
  } finally {
    await Promise.all([reader.close(), writer.close()])
  }
})
