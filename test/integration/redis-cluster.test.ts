import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { createCache, memoryTier, redisTier, type TierCache } from '../../src/index.js'
import { TierTimeoutError } from '../../src/tiers/redis/deadline.js'
import {
  closeClients,
  clusterDrivers,
  expectWritesToReach,
  nodeRedisCluster,
  servedBy,
  stampede,
} from '../support/fixtures.js'
import { monitor } from '../support/monitor.js'
import { type RedisCluster, startRedisCluster } from '../support/redis-cluster.js'
import { waitFor } from '../support/wait.js'

let cluster: RedisCluster
const caches: TierCache[] = []
/**
 * Errors any tier reported: a cross-slot script or command would show up here, not as a failed call.
 * Timeouts are left out: on a busy machine a round trip can outlast its deadline, which says nothing
 * about the commands sent.
 */
const tierErrors: string[] = []

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3 })
}, 60_000)
afterEach(async () => {
  const reported = tierErrors.splice(0)
  await Promise.all(caches.splice(0).map((cache) => cache.close()))
  await closeClients()
  expect(reported).toEqual([])
  await Promise.all((await cluster.masters()).map((node) => node.command('FLUSHALL')))
})
afterAll(async () => {
  await cluster?.stop()
})

const drivers = clusterDrivers(() => cluster)

/** One "process": a memory tier over a cluster tier, with its own cluster client. */
async function instance(
  connect: () => Promise<unknown>,
  namespace = 'cl',
  extra: Partial<Parameters<typeof createCache>[0]> = {},
): Promise<TierCache> {
  const client = (await connect()) as Parameters<typeof redisTier>[0]['client']
  const cache = createCache({
    namespace,
    // Patient: these tests check where keys and versions go, and a write timing out would skip one.
    tiers: [memoryTier(), redisTier({ name: 'hot', client, timeout: '30s' })],
    ...extra,
  })
  watchErrors(cache)
  expect(await cache.ready()).toBe(true)
  return cache
}

/** Collects the tier errors a cache reports while its test runs (a lease release may outlive close()). */
function watchErrors(cache: TierCache): void {
  caches.push(cache)
  cache.on('tierError', ({ tier, operation, error }) => {
    if (caches.includes(cache) && !isTimeout(error)) tierErrors.push(`${tier} ${operation}: ${String(error)}`)
  })
}

function isTimeout(error: unknown): boolean {
  return error instanceof TierTimeoutError || (error instanceof Error && / timed out$/.test(error.message))
}

/** Keys of this namespace per master, counted with SCAN on each. */
async function entriesPerMaster(pattern: string): Promise<number[]> {
  const counts: number[] = []
  for (const node of await cluster.masters()) {
    let cursor = '0'
    let count = 0
    do {
      const [next, keys] = (await node.command('SCAN', cursor, 'MATCH', pattern, 'COUNT', '1000')) as [
        string,
        string[],
      ]
      cursor = next
      count += keys.length
    } while (cursor !== '0')
    counts.push(count)
  }
  return counts
}

describe.each(drivers)('Redis Cluster tier through $driver', ({ connect }) => {
  test('getMany across slots: keys spread over every master come back in order; one batch load of the missing', async () => {
    const seed = await instance(connect)
    const keys = Array.from({ length: 300 }, (_, i) => `item:${i}`)
    await seed.getMany(keys.slice(0, 200), (batch) => batch.map((key) => `value of ${key}`))
    await seed.idle()
    const perMaster = await entriesPerMaster('hot:cl:*')
    expect(perMaster).toHaveLength(3)
    expect(perMaster.every((count) => count > 30)).toBe(true)
    expect(perMaster.reduce((a, b) => a + b)).toBe(200)

    const reader = await instance(connect)
    const batches: string[][] = []
    const values = await reader.getMany(keys, (missing) => {
      batches.push(missing)
      return missing.map((key) => `value of ${key}`)
    })
    expect(values).toEqual(keys.map((key) => `value of ${key}`))
    expect(batches).toEqual([keys.slice(200)])
    expect(reader.stats().tiers.map((tier) => [tier.name, tier.hits])).toEqual([
      ['memory', 0],
      ['hot', 200],
    ])
  })

  test('single-key reads in the same tick still travel together (one MGET per slot)', async () => {
    const writer = await instance(connect)
    const keys = ['{user:1}:a', '{user:1}:b', '{user:1}:c']
    await writer.getMany(keys, (batch) => batch)
    await writer.idle()
    const reader = createCache({
      namespace: 'cl',
      tiers: [redisTier({ name: 'hot', client: (await connect()) as never })],
    })
    watchErrors(reader)
    await reader.ready()
    const owner = await cluster.masterFor('hot:cl:{user:1}:a')
    const watch = await monitor(owner)
    const values = await Promise.all(keys.map((key) => reader.get(key)))
    await waitFor(() => watch.commands().some(([name]) => name === 'MGET'))
    watch.stop()
    expect(values).toEqual(keys)
    expect(watch.commands().filter(([name]) => name === 'MGET')).toEqual([
      ['MGET', ...keys.map((key) => `hot:cl:${key}`)],
    ])
  })

  test('leases: a stampede on one cold key over four caches runs the loader once', async () => {
    const apps = await Promise.all(Array.from({ length: 4 }, () => instance(connect)))
    const { values, loads } = await stampede(apps, 'cold', {
      callersPerCache: 50,
      value: 'loaded once',
    })
    expect(loads).toBe(1)
    expect(new Set(values)).toEqual(new Set(['loaded once']))
  })

  test('tags: invalidateTags reaches every cache; tag state lives in the namespace slot', async () => {
    const [a, b] = await Promise.all([instance(connect), instance(connect)])
    const keys = Array.from({ length: 100 }, (_, i) => `product:${i}`)
    await a.getMany(keys, (batch) => batch.map((key) => ({ key })), { tags: ['category:7'] })
    await a.getOrLoad('untagged', () => 'stays')
    await a.idle()
    expect(await servedBy(b, () => b.get('product:5'))).toMatchObject({ source: 'hot' })

    await a.invalidateTags(['category:7'])
    expect(Number(await cluster.command('GET', 'hot:{cl}#tag:category:7'))).toBeGreaterThan(0)
    await waitFor(async () => (await b.get('product:5')) === undefined, { what: 'b to see the tags' })
    expect(await a.get('product:99')).toBeUndefined()
    expect(await b.get('untagged')).toBe('stays')
    expect(await b.getOrLoad('product:5', () => 'reloaded', { tags: ['category:7'] })).toBe('reloaded')
    expect(await a.getOrLoad('product:5', () => 'not again', { tags: ['category:7'] })).toBe('reloaded')
  })

  test('clear() removes the namespace from every master and nothing else', async () => {
    const shop = await instance(connect, 'shop')
    const shopping = await instance(connect, 'shopping')
    await shop.getMany(
      Array.from({ length: 1200 }, (_, i) => `k${i}`),
      (keys) => keys,
    )
    await shop.idle()
    await shop.set('k0', 'issues a version, creating the clock key')
    await shopping.set('k1', 'survives')
    await cluster.command('SET', 'unrelated', 'survives')
    expect((await entriesPerMaster('hot:shop:*')).every((count) => count > 0)).toBe(true)

    await shop.clear()
    expect(await entriesPerMaster('hot:shop:*')).toEqual([0, 0, 0])
    expect(await cluster.command('EXISTS', 'hot:{shop}#clock')).toBe(1)
    expect(await cluster.command('GET', 'unrelated')).toBe('survives')
    expect(await shop.get('k1')).toBeUndefined()
    expect(await shopping.get('k1')).toBe('survives')
  })

  test('the invalidation bus runs on sharded pub/sub and reaches another cache', async () => {
    const [a, b] = await Promise.all([instance(connect), instance(connect)])
    const owner = await cluster.masterFor('hot:cl#bus')
    const [, subscribers] = (await owner.command('PUBSUB', 'SHARDNUMSUB', 'hot:cl#bus')) as [string, number]
    expect(subscribers).toBe(2)
    expect(await owner.command('PUBSUB', 'NUMSUB', 'hot:cl#bus')).toEqual(['hot:cl#bus', 0])

    await expectWritesToReach(a, b, 'hot')
  })
})

describe('redisTier({ cluster })', () => {
  test('tiercache creates, uses and closes its own cluster client from root node URLs', async () => {
    const tier = () => redisTier({ name: 'hot', cluster: { rootNodes: [cluster.rootNodes[0] as string] } })
    const a = createCache({ namespace: 'own', tiers: [memoryTier(), tier()] })
    const b = createCache({ namespace: 'own', tiers: [memoryTier(), tier()] })
    watchErrors(a)
    watchErrors(b)
    expect(await a.ready()).toBe(true)
    expect(await b.ready()).toBe(true)
    const keys = Array.from({ length: 50 }, (_, i) => `k${i}`)
    await a.getMany(keys, (batch) => batch)
    await a.idle()
    expect(await b.getMany(keys)).toEqual(keys)
    await a.delete('k1')
    await waitFor(async () => (await b.get('k1')) === undefined, { what: 'b to see the delete' })
    expect(a.stats().tiers[1]?.state).toBe('up')
  })

  test('bad cluster options fail fast with typed errors', async () => {
    expect(() => redisTier({ cluster: { rootNodes: [] } })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringMatching(/rootNodes/) }),
    )
    expect(() => redisTier({ cluster: { rootNodes: ['localhost:7000'] } })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringMatching(/redis:\/\//) }),
    )
    expect(() =>
      redisTier({ url: 'redis://127.0.0.1:1', cluster: { rootNodes: ['redis://127.0.0.1:1'] } }),
    ).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringMatching(/exactly one/) }),
    )
    const client = await nodeRedisCluster(cluster)
    expect(() => redisTier({ client, prefix: '{hot}:' })).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_OPTION',
        message: expect.stringMatching(/must not contain/),
      }),
    )
    expect(() =>
      createCache({ tiers: [memoryTier(), redisTier({ client })], sync: { tracking: true } }),
    ).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringMatching(/tracking/) }),
    )
  })
})

describe.each(drivers)('config audit of a cluster tier through $driver', ({ connect }) => {
  test('reads every master: a node whose eviction policy contradicts the role is named', async () => {
    const masters = await cluster.masters()
    const settings = ['maxmemory', 'maxmemory-policy', 'appendonly', 'save'] as const
    const before = await Promise.all(
      masters.map(async (node) =>
        Promise.all(
          settings.map(async (name) => String(((await node.command('CONFIG', 'GET', name)) as string[])[1])),
        ),
      ),
    )
    const set = (node: (typeof masters)[number], values: readonly string[]) =>
      Promise.all(settings.map((name, i) => node.command('CONFIG', 'SET', name, values[i] as string)))
    // Every master fits a hot tier, except the last one, which refuses writes once full.
    const odd = masters.at(-1) as (typeof masters)[number]
    await Promise.all(
      masters.map((node) => set(node, ['64mb', node === odd ? 'noeviction' : 'allkeys-lfu', 'no', ''])),
    )
    try {
      const client = (await connect()) as Parameters<typeof redisTier>[0]['client']
      const cache = createCache({
        namespace: 'audit',
        tiers: [redisTier({ name: 'hot', client, role: 'hot' })],
      })
      watchErrors(cache)
      const [report] = await cache.audit()
      expect(report?.findings.map(({ setting }) => setting)).toEqual(['maxmemory-policy'])
      expect(report?.findings[0]?.message).toMatch(new RegExp(`\\(on [^ ]+:${odd.port} of 3 masters\\)$`))
    } finally {
      await Promise.all(masters.map((node, i) => set(node, before[i] as string[])))
    }
  })
})
