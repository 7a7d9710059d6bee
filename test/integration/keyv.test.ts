import { createCache as createCacheManager } from 'cache-manager'
import Keyv from 'keyv'
import { expect, test } from 'vitest'
import type { TierCache } from '../../src/index.js'
import { tiercacheStore } from '../../src/integrations/keyv.js'
import { fileRedis } from '../support/file-redis.js'
import { ManualClock } from '../support/manual-clock.js'
import { waitFor } from '../support/wait.js'

const redis = fileRedis()
const tiered = () => redis.tiered('kv')

/** cache-manager 7 over Keyv over a tiercache stack, as NestJS's cache module builds it. */
async function manager(cache: TierCache) {
  return createCacheManager({ stores: [new Keyv({ store: tiercacheStore(cache) })] })
}

test('cache-manager set / get / del / clear go through every tier and every process', async () => {
  const [a, b] = [await tiered(), await tiered()]
  const [managerA, managerB] = [await manager(a), await manager(b)]

  await managerA.set('user:1', { name: 'Ada' })
  expect(await managerB.get('user:1')).toEqual({ name: 'Ada' })
  expect(await redis.server.command('EXISTS', 'redis:kv:keyv:user:1')).toBe(1)

  // B's memory copy is dropped when the bus message arrives (the documented consistency bound).
  await managerA.set('user:1', { name: 'Ada King' })
  await waitFor(async () => (await managerB.get<{ name: string }>('user:1'))?.name === 'Ada King', {
    what: "B to read A's update",
  })

  await managerB.del('user:1')
  await waitFor(async () => (await managerA.get('user:1')) === undefined, { what: "A to see B's delete" })
  // Redis keeps a short-lived tombstone there, which a cache with nothing in memory reads as a miss.
  expect(await (await manager(await tiered())).get('user:1')).toBeUndefined()

  await managerA.mset([
    { key: 'a', value: 1 },
    { key: 'b', value: 2 },
  ])
  expect(await managerB.mget(['a', 'b', 'c'])).toEqual([1, 2, undefined])
  await managerB.clear()
  await waitFor(async () => (await managerA.mget(['a', 'b'])).every((value) => value === undefined), {
    what: "A to see B's clear",
  })
})

test('wrap calls the function once for concurrent callers and serves the cached value after', async () => {
  const managerA = await manager(await tiered())
  let calls = 0
  const load = async () => {
    calls++
    return { id: 7 }
  }
  const values = await Promise.all(Array.from({ length: 5 }, () => managerA.wrap('product:7', load)))
  expect(values).toEqual(Array.from({ length: 5 }, () => ({ id: 7 })))
  expect(await managerA.wrap('product:7', load)).toEqual({ id: 7 })
  // cache-manager's own coalescing makes it one call; the value then comes from the tiers.
  expect(calls).toBe(1)
})

test("a TTL given to cache-manager becomes the entry's TTL in every tier", async () => {
  const managerA = await manager(await tiered())
  await managerA.set('session:1', 'token', 5_000)
  const pttl = Number(await redis.server.command('PTTL', 'redis:kv:keyv:session:1'))
  expect(pttl).toBeGreaterThan(0)
  expect(pttl).toBeLessThanOrEqual(5_000)
  expect(await managerA.ttl('session:1')).toBeGreaterThan(Date.now())

  // Without a TTL the cache's default (the Redis tier's hour) applies.
  await managerA.set('session:2', 'token')
  expect(Number(await redis.server.command('PTTL', 'redis:kv:keyv:session:2'))).toBeGreaterThan(5_000)
})

test('an expired entry is a miss', async () => {
  const clock = new ManualClock()
  const cache = await redis.tiered('kv', { clock })
  const keyv = new Keyv({ store: tiercacheStore(cache) })
  await keyv.set('short', 'lived', 1)
  // Keyv records its own expiry beside the value; the tiers' TTL is 1 ms too. Either makes it a miss.
  clock.advance(1)
  expect(await keyv.get('short')).toBeUndefined()
})
