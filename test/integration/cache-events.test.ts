import { expect, test } from 'vitest'
import { CacheClosedError, createCache, memoryTier, redisTier, type TierCache } from '../../src/index.js'
import { fileRedis } from '../support/file-redis.js'

const redis = fileRedis()
const tiered = () => redis.tiered('ev')

/** Collects every hit, miss, set and delete event of `cache`. */
function record(cache: TierCache) {
  const seen: unknown[] = []
  cache.on('hit', (event) => seen.push(['hit', event]))
  cache.on('miss', (event) => seen.push(['miss', event]))
  cache.on('set', (event) => seen.push(['set', event]))
  cache.on('delete', (event) => seen.push(['delete', event]))
  return seen
}

test('hit and miss events name the key and the tier that answered, memory hits included', async () => {
  const a = await tiered()
  const b = await tiered()
  await a.getOrLoad('user:1', async () => 'Ada') // loaded before anyone listens
  await a.idle()
  const seenA = record(a)
  const seenB = record(b)

  expect(await a.getOrLoad('user:1', async () => 'unused')).toBe('Ada') // the L1 fast path
  expect(await a.get('user:1')).toBe('Ada')
  expect(await b.getOrLoad('user:1', async () => 'unused')).toBe('Ada') // B's memory is empty
  expect(await b.get('user:2')).toBeUndefined()
  expect(await b.getOrLoad('user:3', async () => 'Grace')).toBe('Grace')
  expect(await b.getMany(['user:1', 'user:4'])).toEqual(['Ada', undefined])

  expect(seenA).toEqual([
    ['hit', { key: 'user:1', tier: 'memory' }],
    ['hit', { key: 'user:1', tier: 'memory' }],
  ])
  expect(seenB).toEqual([
    ['hit', { key: 'user:1', tier: 'redis' }],
    ['miss', { key: 'user:2' }],
    ['miss', { key: 'user:3' }],
    ['hit', { key: 'user:1', tier: 'memory' }],
    ['miss', { key: 'user:4' }],
  ])
})

test('set and delete events once written; once() fires once; off() stops them', async () => {
  const cache = await tiered()
  const seen = record(cache)
  const firstSets: string[] = []
  cache.once('set', ({ key }) => firstSets.push(key))

  await cache.set('user:1', 'Ada')
  await cache.set('user:2', 'Grace')
  await cache.deleteMany(['user:1', 'user:1', 'user:2'])
  expect(seen).toEqual([
    ['set', { key: 'user:1' }],
    ['set', { key: 'user:2' }],
    ['delete', { keys: ['user:1', 'user:2'] }],
  ])
  expect(firstSets).toEqual(['user:1'])

  const hits: string[] = []
  const onHit = ({ key }: { key: string }) => hits.push(key)
  cache.on('hit', onHit)
  await cache.set('user:3', 'Linus')
  await cache.getOrLoad('user:3', async () => 'unused')
  cache.off('hit', onHit)
  await cache.getOrLoad('user:3', async () => 'unused')
  expect(hits).toEqual(['user:3'])
})

test('await using closes the cache at the end of the block', async () => {
  let escaped: TierCache | undefined
  {
    await using cache = createCache({
      namespace: 'ev',
      tiers: [memoryTier(), redisTier({ name: 'redis', url: redis.server.url })],
    })
    await cache.set('user:1', 'Ada')
    escaped = cache
  }
  await expect(escaped.get('user:1')).rejects.toBeInstanceOf(CacheClosedError)
})
