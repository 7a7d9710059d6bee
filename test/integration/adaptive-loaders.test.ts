import { expect, test } from 'vitest'
import { InvalidTtlError, LoaderError } from '../../src/index.js'
import { fileRedis } from '../support/file-redis.js'

const redis = fileRedis()
const tiered = () => redis.tiered('adaptive', { ttl: '1h' })

const pttl = async (key: string) => Number(await redis.server.command('PTTL', `redis:adaptive:${key}`))

test("a loader's setTtl sets the entry's TTL in every tier", async () => {
  const cache = await tiered()
  const value = await cache.getOrLoad('quote:1', (ctx) => {
    ctx.setTtl('5s') // e.g. the API said max-age=5
    return { price: 10 }
  })
  expect(value).toEqual({ price: 10 })
  await cache.idle()
  const left = await pttl('quote:1')
  expect(left).toBeGreaterThan(0)
  expect(left).toBeLessThanOrEqual(5_000)
  // Without a choice the call's TTL (the cache's hour) applies.
  await cache.getOrLoad('quote:2', () => ({ price: 11 }))
  await cache.idle()
  expect(await pttl('quote:2')).toBeGreaterThan(5_000)
})

test("a loader's setTags tags the entry, so invalidateTags reaches it", async () => {
  const cache = await tiered()
  let loads = 0
  const loader = (ctx: { setTags(tags: readonly string[]): void }) => {
    loads++
    ctx.setTags(['category:3'])
    return { id: 7, category: 3 }
  }
  await cache.getOrLoad('product:7', loader)
  await cache.idle()
  await cache.getOrLoad('product:7', loader)
  expect(loads).toBe(1)
  await cache.invalidateTags(['category:3'])
  await cache.getOrLoad('product:7', loader)
  expect(loads).toBe(2)
})

test('a loader that skips returns its value but caches nothing', async () => {
  const cache = await tiered()
  let loads = 0
  const loader = (ctx: { skip(): void }) => {
    loads++
    const answer = { error: 'upstream unavailable' }
    ctx.skip()
    return answer
  }
  expect(await cache.getOrLoad('feed:1', loader)).toEqual({ error: 'upstream unavailable' })
  await cache.idle()
  expect(await redis.server.command('EXISTS', 'redis:adaptive:feed:1')).toBe(0)
  expect(await cache.get('feed:1')).toBeUndefined()
  await cache.getOrLoad('feed:1', loader)
  expect(loads).toBe(2)
})

test('a bad TTL from a loader fails the load with its typed cause and caches nothing', async () => {
  const cache = await tiered()
  const failed = cache.getOrLoad('bad:1', (ctx) => {
    ctx.setTtl(-1)
    return 1
  })
  await expect(failed).rejects.toBeInstanceOf(LoaderError)
  await expect(failed).rejects.toHaveProperty('cause', expect.any(InvalidTtlError))
  expect(await cache.get('bad:1')).toBeUndefined()
})

test("getMany's batch loader chooses TTL, tags and skipping per key", async () => {
  const cache = await tiered()
  const values = await cache.getMany(['a', 'b', 'c'], (keys, ctx) => {
    ctx.setTtl('a', '3s')
    ctx.setTags('b', ['group:b'])
    ctx.skip('c')
    return keys.map((key) => ({ key }))
  })
  expect(values).toEqual([{ key: 'a' }, { key: 'b' }, { key: 'c' }])
  await cache.idle()
  expect(await pttl('a')).toBeLessThanOrEqual(3_000)
  expect(await pttl('b')).toBeGreaterThan(3_000)
  expect(await redis.server.command('EXISTS', 'redis:adaptive:c')).toBe(0)

  await cache.invalidateTags(['group:b'])
  let loaded: string[] = []
  await cache.getMany(['a', 'b', 'c'], (keys) => {
    loaded = keys
    return keys.map((key) => ({ key }))
  })
  expect(loaded.sort()).toEqual(['b', 'c'])
})

test('a batch loader naming a key it was not given fails the batch with a typed cause', async () => {
  const cache = await tiered()
  const failed = cache.getMany(['x'], (keys, ctx) => {
    ctx.skip('not-asked')
    return keys.map(() => 1)
  })
  await expect(failed).rejects.toBeInstanceOf(LoaderError)
  await expect(failed).rejects.toHaveProperty('cause.code', 'ERR_INVALID_OPTION')
})
