import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { type GeoCache, type GeoCacheOptions, geoCache } from '../../src/entries/geo.js'
import { servedBy } from '../support/fixtures.js'
import { countKeys, storedEntry } from '../support/geo-entries.js'
import { DATA_CENTERS, type GeoHierarchy, startGeoHierarchy } from '../support/geo-hierarchy.js'
import { monitor } from '../support/monitor.js'
import { waitFor } from '../support/wait.js'

const HOUR = 3_600_000
/** Round trips through the proxies: local 1 ms, regional 10 ms, global 30 ms. */
const ROUND_TRIPS = { local: 1, regional: 10, global: 30 }
/** The documented bound for other processes' memory tiers (docs/invalidation.md, "Consistency bound"). */
const MEMORY_BOUND_MS = 2000

let hierarchy: GeoHierarchy
const open: GeoCache[] = []
let namespaceCounter = 0
let namespace = 'geo0'

beforeAll(async () => {
  hierarchy = await startGeoHierarchy(ROUND_TRIPS)
})
afterEach(async () => {
  await Promise.all(open.splice(0).map((cache) => cache.close()))
  for (const server of hierarchy.servers) server.proxy.setDelay(ROUND_TRIPS[server.level] / 2)
  await hierarchy.flush()
  namespace = `geo${++namespaceCounter}`
})
afterAll(async () => {
  await Promise.all(open.splice(0).map((cache) => cache.close()))
  await hierarchy?.stop()
})

/**
 * Levels that wait for their answer however busy the machine is: these tests check which level
 * answers, and geo-budgets.test.ts how fast. With the default 20 ms budget a loaded machine's local
 * level was abandoned for the regional one. Tests that need a level to fail fast say so.
 */
const PATIENT = { budget: false, timeout: '30s' } as const

/** A cache in data center `dataCenter`; without a memory tier unless asked, so reads show Redis levels. */
async function cacheIn(dataCenter: string, options: Partial<GeoCacheOptions> = {}): Promise<GeoCache> {
  const cache = geoCache(hierarchy.topology, {
    dataCenter,
    namespace,
    memory: false,
    ...options,
    local: { ...PATIENT, ...options.local },
    regional: { ...PATIENT, ...options.regional },
    global: { ...PATIENT, ...options.global },
  })
  open.push(cache)
  await cache.ready()
  return cache
}

describe('geographic hierarchy: 2 regions × 2 data centers, 7 Redis servers behind delay proxies', () => {
  test('each level has its key space and the seed TTLs; a read is answered by the nearest level holding the key', async () => {
    const euWest = await cacheIn('eu-west')
    let loads = 0
    const load = async () => {
      loads++
      return { title: 'Hello' }
    }
    expect(await servedBy(euWest, () => euWest.getOrLoad('article:1', load))).toMatchObject({
      source: 'loader',
    })
    await euWest.idle()
    const ttls = { 'eu-west': HOUR, eu: 6 * HOUR, global: 24 * HOUR }
    for (const [name, ttl] of Object.entries(ttls)) {
      const stored = await storedEntry(hierarchy.server(name), namespace, 'article:1')
      expect(stored?.entry.value, name).toEqual({ title: 'Hello' })
      expect(stored?.pttl).toBeGreaterThan(ttl - 60_000)
      expect(stored?.pttl).toBeLessThanOrEqual(ttl)
    }
    for (const name of ['eu-north', 'us', 'us-east', 'us-west'])
      expect(await storedEntry(hierarchy.server(name), namespace, 'article:1'), name).toBeUndefined()

    const euNorth = await cacheIn('eu-north')
    expect((await servedBy(euNorth, () => euNorth.getOrLoad('article:1', load))).source).toBe('regional')
    await euNorth.idle()
    expect((await servedBy(euNorth, () => euNorth.getOrLoad('article:1', load))).source).toBe('local')

    const usEast = await cacheIn('us-east')
    expect((await servedBy(usEast, () => usEast.getOrLoad('article:1', load))).source).toBe('global')
    await usEast.idle()
    expect((await servedBy(usEast, () => usEast.getOrLoad('article:1', load))).source).toBe('local')
    const usWest = await cacheIn('us-west')
    expect((await servedBy(usWest, () => usWest.getOrLoad('article:1', load))).source).toBe('regional')

    const withMemory = await cacheIn('us-west', { memory: {} })
    expect((await servedBy(withMemory, () => withMemory.getOrLoad('article:1', load))).source).toBe('local')
    await withMemory.idle()
    expect((await servedBy(withMemory, () => withMemory.getOrLoad('article:1', load))).source).toBe('memory')
    expect(loads).toBe(1)
    expect(usEast.stats().tiers.map((tier) => tier.name)).toEqual(['local', 'regional', 'global'])
  })

  test('a delete in one data center reaches every level of every region, global first, then regional, then local', async () => {
    const caches = await Promise.all(DATA_CENTERS.map((name) => cacheIn(name)))
    await caches[0]?.set('product:7', { price: 100 })
    for (const cache of caches) await cache.get('product:7') // every local tier holds it
    await Promise.all(caches.map((cache) => cache.idle()))
    const before = await storedEntry(hierarchy.server('us-west'), namespace, 'product:7')
    expect(before?.entry.value).toEqual({ price: 100 })

    const monitors = await Promise.all(hierarchy.servers.map((server) => monitor(server.redis)))
    const usWest = caches[3] as GeoCache
    await usWest.delete('product:7')
    const stored = await Promise.all(
      hierarchy.servers.map((server) => storedEntry(server, namespace, 'product:7')),
    )
    const versions = new Set(stored.map((item) => item?.entry.version))
    expect(stored.every((item) => item?.entry.tombstone === true)).toBe(true)
    expect(versions.size).toBe(1) // the version the global tier issued, everywhere

    // When each server first ran the versioned write of the key (MONITOR timestamps, one machine clock).
    const firstWrite = hierarchy.servers.map((server, i) => {
      const write = monitors[i]
        ?.timed()
        .find((command) => command.lua && command.args[0] === 'SET' && command.args[1]?.endsWith('product:7'))
      if (!write) throw new Error(`${server.name} never wrote the key`)
      return { server, at: write.at }
    })
    for (const watch of monitors) watch.stop()
    const at = (level: string) => firstWrite.filter((write) => write.server.level === level).map((w) => w.at)
    const [globalAt] = at('global') as [number]
    expect(Math.min(...at('regional'))).toBeGreaterThanOrEqual(globalAt)
    expect(Math.min(...at('local'))).toBeGreaterThanOrEqual(Math.max(...at('regional')))

    let loads = 0
    for (const cache of caches) {
      expect(await cache.getOrLoad('product:7', async () => ++loads)).toBeGreaterThan(0)
    }
    expect(loads).toBe(1) // one load, then the other data centers read it from the global tier
  })

  test('a delete while the global level does not answer still leaves a tombstone at every other level: nobody reads the old value', async () => {
    const options = { global: { timeout: '300ms', budget: false as const } }
    const caches = await Promise.all(DATA_CENTERS.map((name) => cacheIn(name, options)))
    const [euWest, , usEast] = caches as [GeoCache, GeoCache, GeoCache, GeoCache]
    await euWest.set('offer:1', 'old')
    expect(await usEast.get('offer:1')).toBe('old') // us-east's local tier now holds it too
    await usEast.idle()
    const oldVersion = (await storedEntry(hierarchy.server('eu-west'), namespace, 'offer:1'))?.entry.version

    const global = hierarchy.server('global')
    global.redis.pause() // keeps its connections, answers nothing: no version can be issued
    try {
      await euWest.delete('offer:1')
      const others = hierarchy.servers.filter((server) => server.level !== 'global')
      const stored = await Promise.all(others.map((server) => storedEntry(server, namespace, 'offer:1')))
      // A tombstone versioned by this machine's clock, above the version the old value carries.
      expect(stored.map((item) => item?.entry.tombstone)).toEqual(others.map(() => true))
      for (const item of stored) expect(item?.entry.version).toBeGreaterThan(oldVersion as number)
      // Every data center answers "missing", though the global level still holds the old value.
      for (const cache of caches) expect(await cache.get('offer:1')).toBeUndefined()
    } finally {
      global.redis.resume()
    }
  })

  test('a lagging regional level cannot hand the old value back to a local level', async () => {
    // Tombstones expire quickly here, so only the order of the writes protects the local tiers.
    const options = { tombstoneTtl: '100ms', regional: { budget: false as const } }
    const euWest = await cacheIn('eu-west', options)
    const usEast = await cacheIn('us-east', options)
    await euWest.set('page:1', 'old')
    expect(await usEast.get('page:1')).toBe('old')
    await usEast.idle()

    hierarchy.server('us').proxy.setDelay(150) // region us answers in 300 ms
    const localUsEast = hierarchy.server('us-east')
    const localKey = `local@us-east:${namespace}:page:1`
    // The first read starts before the delete: it reaches the lagging region ahead of the delete's write
    // there (which leaves only after the global level answered), so it reads the old value.
    await localUsEast.redis.command('DEL', localKey)
    const firstStartedAt = Date.now()
    const first = usEast.get('page:1')
    const deleting = euWest.delete('page:1').then(() => Date.now())
    let resolvedAt: number | undefined
    void deleting.then((at) => {
      resolvedAt = at
    })
    const reads: { startedAt: number; value: unknown }[] = [{ startedAt: firstStartedAt, value: await first }]
    await usEast.idle()
    // Meanwhile us-east keeps losing its local copy (eviction) and reading through to the lagging region,
    // for real time: Redis expires the 100 ms tombstones by its own clock, and the region lags 300 ms.
    while (resolvedAt === undefined || Date.now() < resolvedAt + 700) {
      await localUsEast.redis.command('DEL', localKey)
      const startedAt = Date.now()
      reads.push({ startedAt, value: await usEast.get('page:1') })
      await usEast.idle()
    }
    await deleting
    const during = reads.filter((read) => read.startedAt < (resolvedAt as number))
    const after = reads.filter((read) => read.startedAt >= (resolvedAt as number))
    expect(during.some((read) => read.value === 'old')).toBe(true) // the lagging region was read meanwhile
    expect(after.length).toBeGreaterThan(0)
    expect(after.filter((read) => read.value === 'old')).toEqual([])
    const local = await storedEntry(localUsEast, namespace, 'page:1')
    expect(local === undefined || local.entry.tombstone).toBe(true)
  })

  test('an update in one data center is never read stale from another one after it resolves', async () => {
    const writer = await cacheIn('eu-west')
    const redisReaders = await Promise.all(['eu-north', 'us-east', 'us-west'].map((name) => cacheIn(name)))
    const memoryReaders = await Promise.all(
      ['eu-north', 'us-east', 'us-west'].map((name) => cacheIn(name, { memory: {} })),
    )
    await writer.set('stock:1', 0)
    const acknowledged: number[] = [] // when `set(…, i)` resolved
    const reads: { reader: number; memory: boolean; startedAt: number; value: number }[] = []
    let writing = true
    const readLoop = async (cache: GeoCache, reader: number, memory: boolean) => {
      while (writing) {
        const startedAt = performance.now()
        reads.push({ reader, memory, startedAt, value: (await cache.get<number>('stock:1')) ?? -1 })
        // A memory hit resolves without I/O: let the event loop turn, or the writer never gets to run.
        await new Promise((resolve) => setImmediate(resolve))
      }
    }
    const loops = [
      ...redisReaders.map((cache, i) => readLoop(cache, i, false)),
      ...memoryReaders.map((cache, i) => readLoop(cache, i, true)),
    ]
    for (let i = 1; i <= 15; i++) {
      await writer.set('stock:1', i)
      acknowledged[i] = performance.now()
    }
    await waitFor(
      () =>
        reads.filter((read) => read.value === 15 && read.startedAt > (acknowledged[15] as number)).length >=
        6,
      // The bound is checked on the reads below; this only waits until they are all in, however slowly.
      { what: 'every reader to see the last write', timeoutMs: 30_000 },
    )
    writing = false
    await Promise.all(loops)

    const staleness = (read: (typeof reads)[number]) => {
      // How long after the write that replaced the value read had resolved the read started.
      const replacedAt = acknowledged[read.value + 1]
      return replacedAt === undefined ? 0 : read.startedAt - replacedAt
    }
    const stale = reads.filter((read) => staleness(read) > 0)
    const redisStale = stale.filter((read) => !read.memory)
    expect(redisStale).toEqual([]) // Redis levels: clean when the write resolves
    const memoryStale = stale.filter((read) => read.memory).map(staleness)
    expect(memoryStale.filter((ms) => ms > MEMORY_BOUND_MS)).toEqual([])
    // Propagation to memory tiers: from a write resolving to the first read of it by each memory reader.
    const propagation: number[] = []
    for (let i = 1; i <= 15; i++) {
      for (let reader = 0; reader < memoryReaders.length; reader++) {
        const seen = reads.find(
          (read) =>
            read.memory &&
            read.reader === reader &&
            read.value >= i &&
            read.startedAt >= (acknowledged[i] as number),
        )
        if (seen) propagation.push(seen.startedAt - (acknowledged[i] as number))
      }
    }
    propagation.sort((a, b) => a - b)
    console.log(
      `geo propagation: ${reads.length} reads; Redis levels stale after a write resolved: ${redisStale.length}; ` +
        `memory tiers: ${memoryStale.length} stale reads, worst ${Math.max(0, ...memoryStale).toFixed(1)} ms after the write (bound ${MEMORY_BOUND_MS} ms); ` +
        `first read of the new value p50 ${propagation[Math.floor(propagation.length / 2)]?.toFixed(1)} ms, max ${propagation.at(-1)?.toFixed(1)} ms`,
    )
  })

  test('tag invalidation in one data center hides tagged entries at every level of every region', async () => {
    const euWest = await cacheIn('eu-west')
    const usEast = await cacheIn('us-east')
    const usEastMemory = await cacheIn('us-east', { memory: {} })
    const list = async () => ['a', 'b']
    await euWest.getOrLoad('category:3:list', list, { tags: ['category:3'] })
    await euWest.idle()
    expect((await servedBy(usEast, () => usEast.getOrLoad('category:3:list', list))).source).toBe('global')
    await usEast.idle()
    expect(await usEastMemory.get('category:3:list')).toEqual(['a', 'b']) // from the local tier, then memory
    await usEastMemory.idle()

    await euWest.invalidateTags(['category:3'])
    expect(await usEast.get('category:3:list')).toBeUndefined()
    await waitFor(async () => (await usEastMemory.get('category:3:list')) === undefined, {
      what: 'the memory tier in us-east to drop the tagged entry',
    })
  })

  test('a new data center warms its local tier from its regional tier', async () => {
    const euWest = await cacheIn('eu-west')
    const keys = Array.from({ length: 40 }, (_, i) => `user:${i}`)
    await euWest.getMany(keys, async (missing) => missing.map((key) => ({ key })))
    await euWest.idle()
    expect(await countKeys(hierarchy.server('eu'), namespace)).toBe(40)
    expect(await countKeys(hierarchy.server('eu-north'), namespace)).toBe(0)

    const euNorth = await cacheIn('eu-north')
    const progress = await euNorth.warmLocal({ batchSize: 10 })
    expect(progress).toMatchObject({ processed: 40, cached: 40, loaded: 0, done: true })
    await euNorth.idle()
    expect(await countKeys(hierarchy.server('eu-north'), namespace)).toBe(40)
    expect((await servedBy(euNorth, () => euNorth.get('user:17'))).source).toBe('local')
  })

  test('clear() empties the namespace at every level of every region', async () => {
    const caches = await Promise.all(DATA_CENTERS.map((name) => cacheIn(name)))
    for (const cache of caches) await cache.getOrLoad(`key:${cache.dataCenter}`, async () => 1)
    await Promise.all(caches.map((cache) => cache.idle()))
    await caches[0]?.clear()
    for (const server of hierarchy.servers) expect(await countKeys(server, namespace), server.name).toBe(0)
  })
})
