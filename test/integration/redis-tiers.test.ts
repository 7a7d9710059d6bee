import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { CacheClosedError, createCache, memoryTier, redisTier, type TierCache } from '../../src/index.js'
import { closeClients, ioredis, nodeRedis, servedBy, stampede } from '../support/fixtures.js'
import { ManualClock } from '../support/manual-clock.js'
import { monitor } from '../support/monitor.js'
import { type RedisServer, startRedis } from '../support/redis-server.js'
import { waitFor } from '../support/wait.js'

let hot: RedisServer
let warm: RedisServer

beforeAll(async () => {
  ;[hot, warm] = await Promise.all([startRedis(), startRedis()])
})
afterEach(async () => {
  await closeClients()
  await Promise.all([hot.command('FLUSHALL'), warm.command('FLUSHALL')])
})
afterAll(async () => {
  await Promise.all([hot?.stop(), warm?.stop()])
})

async function hotWarmCache(
  namespace = 'many',
  { timeout, clock }: { timeout?: string; clock?: ManualClock } = {},
) {
  const [hotClient, warmClient] = await Promise.all([nodeRedis(hot), nodeRedis(warm)])
  return createCache({
    namespace,
    tiers: [
      memoryTier(),
      redisTier({ name: 'hot', client: hotClient, timeout }),
      redisTier({ name: 'warm', client: warmClient, timeout }),
    ],
    clock,
  })
}

describe('getMany', () => {
  test('500 keys spread over the tiers: one read per Redis tier, one batch load of exactly the missing keys', async () => {
    // What is counted here is round trips and keys, not time: on a busy machine 300 scripted writes or
    // a 500-key MGET can take longer than the default 1 s timeout, which would skip a tier.
    const patient = { timeout: '30s' }
    const seed = await hotWarmCache('many', patient)
    const keys = Array.from({ length: 500 }, (_, i) => `item:${i}`)
    // 100 keys in hot (and warm), another 200 only in warm, 200 nowhere.
    await seed.getMany(keys.slice(0, 300), (batch) => batch.map((key) => `value of ${key}`))
    // Loads return before their values reach the Redis tiers; idle() waits for them and says what is missing.
    expect(await seed.idle()).toEqual({ unwritten: [], unwrittenCount: 0 })
    await Promise.all(keys.slice(100, 300).map((key) => hot.command('DEL', `hot:many:${key}`)))
    await seed.close()

    const cache = await hotWarmCache('many', patient)
    const [hotMonitor, warmMonitor] = await Promise.all([monitor(hot), monitor(warm)])
    const batches: string[][] = []
    const values = await cache.getMany(keys, (missing) => {
      batches.push(missing)
      return missing.map((key) => `value of ${key}`)
    })
    await cache.idle()
    // Commands reach MONITOR asynchronously; wait until the write-backs (the last commands) show up.
    await waitFor(() => warmMonitor.commands().filter(([name]) => name === 'EVALSHA').length >= 200, {
      what: 'warm write-backs',
    })
    hotMonitor.stop()
    warmMonitor.stop()

    expect(values).toEqual(keys.map((key) => `value of ${key}`))
    expect(batches).toEqual([keys.slice(300)])
    const hotReads = hotMonitor.commands().filter(([name]) => name === 'MGET')
    expect(hotReads).toHaveLength(1)
    expect(hotReads[0]).toHaveLength(1 + 500)
    const warmReads = warmMonitor.commands().filter(([name]) => name === 'MGET')
    expect(warmReads).toHaveLength(1)
    expect(warmReads[0]).toHaveLength(1 + 400)
    expect(cache.stats().tiers.map((t) => [t.name, t.hits])).toEqual([
      ['memory', 0],
      ['hot', 100],
      ['warm', 200],
    ])
    await cache.close()
  })
})

describe('idle', () => {
  test('lists the fills a tier did not answer in time, and lists each once', async () => {
    const cache = createCache({
      namespace: 'idle',
      tiers: [
        memoryTier(),
        redisTier({ name: 'hot', client: await nodeRedis(hot), timeout: '30s' }),
        redisTier({ name: 'warm', client: await nodeRedis(warm), timeout: '200ms', breaker: false }),
      ],
    })
    warm.pause()
    try {
      const values = await cache.getMany(['a', 'b'], (keys) => keys.map((key) => `value of ${key}`))
      expect(values).toEqual(['value of a', 'value of b'])
      const report = await cache.idle()
      expect(report.unwrittenCount).toBe(2)
      expect([...report.unwritten].sort((x, y) => x.key.localeCompare(y.key))).toEqual([
        { tier: 'warm', key: 'a' },
        { tier: 'warm', key: 'b' },
      ])
    } finally {
      warm.resume()
    }
    expect(await cache.idle()).toEqual({ unwritten: [], unwrittenCount: 0 })
    await cache.close()
  })
})

describe('coalescing', () => {
  test('single-key reads issued in the same tick travel in one MGET', async () => {
    const client = await nodeRedis(warm)
    const writer = createCache({ namespace: 'tick', tiers: [redisTier({ name: 'r', client })] })
    await writer.getMany(['a', 'b', 'c'], (keys) => keys)
    await writer.close()
    const reader = createCache({
      namespace: 'tick',
      tiers: [redisTier({ name: 'r', client: await nodeRedis(warm) })],
    })
    const watch = await monitor(warm)
    const values = await Promise.all(['a', 'b', 'c'].map((key) => reader.get(key)))
    await waitFor(() => watch.commands().some(([name]) => name === 'MGET'))
    watch.stop()
    expect(values).toEqual(['a', 'b', 'c'])
    expect(watch.commands().filter(([name]) => name === 'MGET')).toEqual([
      ['MGET', 'r:tick:a', 'r:tick:b', 'r:tick:c'],
    ])
    await reader.close()
  })
})

describe('single-flight with Redis tiers', () => {
  test('1,000 concurrent getOrLoad of one cold key → one loader call, one value in every tier', async () => {
    const cache = await hotWarmCache('sf')
    let calls = 0
    // The load lasts until every caller has joined it or started one of its own.
    const everyCallerIn = () => cache.stats().singleFlightJoins + calls >= 1000
    const values = await Promise.all(
      Array.from({ length: 1000 }, () =>
        cache.getOrLoad('hot-key', async () => {
          calls++
          await waitFor(everyCallerIn, { what: 'every caller to join the load' })
          return 'loaded'
        }),
      ),
    )
    expect(calls).toBe(1)
    expect(new Set(values)).toEqual(new Set(['loaded']))
    await cache.idle()
    expect(await hot.command('EXISTS', 'hot:sf:hot-key')).toBe(1)
    expect(await warm.command('EXISTS', 'warm:sf:hot-key')).toBe(1)
    await cache.close()
  })
})

describe('load leases', () => {
  test('a process whose read missed just before another one filled the key reads it again instead of loading', async () => {
    const [clientA, clientB] = await Promise.all([nodeRedis(hot), nodeRedis(hot)])
    // Process b's client holds its lease request back until we let it go.
    let leaseRequested!: () => void
    let letGo!: () => void
    const requested = new Promise<void>((resolve) => {
      leaseRequested = resolve
    })
    const held = new Promise<void>((resolve) => {
      letGo = resolve
    })
    const gated = new Proxy(clientB, {
      get(target, property) {
        if (property === 'sendCommand') {
          return async (args: readonly (string | Buffer)[], options?: object) => {
            if (args.some((arg) => String(arg).includes('#lease:'))) {
              leaseRequested()
              await held
            }
            return target.sendCommand(args as string[], options as never)
          }
        }
        const value = Reflect.get(target, property, target)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    const a = createCache({ namespace: 'race', tiers: [redisTier({ name: 'hot', client: clientA })] })
    const b = createCache({ namespace: 'race', tiers: [redisTier({ name: 'hot', client: gated })] })
    await Promise.all([a.ready(), b.ready()])

    let loadsInB = 0
    const fromB = b.getOrLoad('k', () => {
      loadsInB++
      return 'loaded by b'
    })
    await requested // b has read the key (a miss) and asks for the lease
    expect(await a.getOrLoad('k', () => 'loaded by a')).toBe('loaded by a')
    await a.idle() // a's value is in Redis and a's lease released
    letGo()
    expect(await fromB).toBe('loaded by a')
    expect(loadsInB).toBe(0)
    await Promise.all([a.close(), b.close()])
  })
})

// A cache whose recent reads missed asks for the load lease in the same write as its read, and reads
// both Redis tiers at once.
async function primedByMisses(cache: { getOrLoad(key: string, loader: () => string): Promise<string> }) {
  for (let i = 0; i < 5; i++) await cache.getOrLoad(`cold:${i}`, () => `value ${i}`)
}

/** Turns both off again: 10 reads that hit the hot tier, of keys another process filled (returned, to close). */
async function primedByHits(cache: TierCache, namespace: string): Promise<TierCache> {
  const writer = await hotWarmCache(namespace)
  const hits = Array.from({ length: 10 }, (_, i) => `hit:${i}`)
  await writer.getMany(hits, (keys) => keys)
  await writer.idle()
  for (const key of hits) expect(await cache.getOrLoad(key, () => 'never')).toBe(key)
  return writer
}

describe('tiers read together', () => {
  /**
   * When the hot and the warm server ran the read of `key`. The hot server is paused for its duration,
   * so a read of the warm tier that waited for the hot tier's answer would run after the hot one.
   */
  async function readTimes(
    cache: { getOrLoad(key: string, loader: () => string): Promise<string> },
    key: string,
    read: (key: string) => Promise<unknown> = async (key) =>
      expect(await cache.getOrLoad(key, () => `loaded ${key}`)).toBe(`loaded ${key}`),
  ) {
    const [hotWatch, warmWatch] = await Promise.all([monitor(hot), monitor(warm)])
    await hot.command('CLIENT', 'PAUSE', '300', 'ALL')
    await read(key)
    // The read: an MGET, or a lease request sent along with the read, which reads the entry too.
    const readsEntry = (arg: string, tier: string) =>
      arg.startsWith(tier) && arg.endsWith(`:${key}`) && !arg.includes('#')
    const ranAt = (watch: typeof hotWatch, tier: string) =>
      watch
        .timed()
        .find(
          ({ args }) =>
            (args[0] === 'MGET' || args[0] === 'EVALSHA') &&
            args.slice(1).some((arg) => readsEntry(arg, tier)),
        )?.at
    await waitFor(() => ranAt(hotWatch, 'hot') !== undefined && ranAt(warmWatch, 'warm') !== undefined, {
      what: 'both reads in MONITOR',
    })
    hotWatch.stop()
    warmWatch.stop()
    return { hotAt: ranAt(hotWatch, 'hot') as number, warmAt: ranAt(warmWatch, 'warm') as number }
  }

  test('after reads that went past the hot tier, a miss reads the warm tier without waiting for the hot one', async () => {
    const cache = await hotWarmCache('together')
    await primedByMisses(cache)
    const { hotAt, warmAt } = await readTimes(cache, 'x')
    expect(warmAt).toBeLessThan(hotAt)
    await cache.close()
  })

  test('get and has share the guess: after their misses, a get reads the warm tier without waiting for the hot one', async () => {
    const cache = await hotWarmCache('together-get')
    for (let i = 0; i < 3; i++) expect(await cache.get(`cold:${i}`)).toBeUndefined()
    for (let i = 0; i < 2; i++) expect(await cache.has(`cold:${i}`)).toBe(false)
    const { hotAt, warmAt } = await readTimes(cache, 'x', async (key) =>
      expect(await cache.get(key)).toBeUndefined(),
    )
    expect(warmAt).toBeLessThan(hotAt)
    await cache.close()
  })

  test('after hot-tier hits, a miss reads the tiers in turn again', async () => {
    const cache = await hotWarmCache('in-turn')
    await primedByMisses(cache)
    const writer = await primedByHits(cache, 'in-turn')
    const { hotAt, warmAt } = await readTimes(cache, 'y')
    expect(warmAt).toBeGreaterThan(hotAt)
    await Promise.all([cache.close(), writer.close()])
  })
})

describe('leases requested along with the read', () => {
  const leaseRequests = (commands: string[][], key: string) =>
    commands.filter((command) => command.some((arg) => arg.endsWith(`#lease:${key}`)))
  const leftLeases = async (server: RedisServer) => (await server.command('KEYS', '*#lease:*')) as string[]

  test('after misses, a miss sends its lease request, which reads the hot tier too; after hits, only once it missed', async () => {
    const cache = await hotWarmCache('early')
    await primedByMisses(cache)
    const [watch, warmWatch] = await Promise.all([monitor(hot), monitor(warm)])
    expect(await cache.getOrLoad('x', () => 'loaded x')).toBe('loaded x')
    await cache.idle()
    await waitFor(() => leaseRequests(watch.commands(), 'x').length > 0, { what: 'the lease request' })
    await waitFor(() => warmWatch.commands().some(([name]) => name === 'MGET'), { what: 'the warm read' })
    const first = watch.commands().filter(([name]) => name === 'MGET' || name === 'EVALSHA')
    // The lease request went out first and answered the hot tier's read: no MGET of its own there.
    expect(first[0]?.some((arg) => arg.endsWith('#lease:x'))).toBe(true)
    expect(watch.commands().filter(([name]) => name === 'MGET')).toEqual([])
    expect(warmWatch.commands().filter(([name]) => name === 'MGET')).toEqual([['MGET', 'warm:early:x']])
    watch.stop()
    warmWatch.stop()

    // Hits turn it off again: keys another process filled are hits in this one's Redis tiers.
    const writer = await primedByHits(cache, 'early')
    await cache.idle()
    const again = await monitor(hot)
    expect(await cache.getOrLoad('y', () => 'loaded y')).toBe('loaded y')
    await cache.idle()
    await waitFor(() => leaseRequests(again.commands(), 'y').length > 0, { what: 'the lease request' })
    const order = again.commands().filter(([name]) => name === 'MGET' || name === 'EVALSHA')
    expect(order[0]).toEqual(['MGET', 'hot:early:y'])
    again.stop()
    expect(await leftLeases(hot)).toEqual([])
    await Promise.all([cache.close(), writer.close()])
  })

  test('the lease request answers the hot tier’s read: a hit there is returned and no lease is left', async () => {
    const cache = await hotWarmCache('answered')
    await primedByMisses(cache)
    const other = await hotWarmCache('answered')
    await other.set('h', { from: 'hot' })
    await other.idle()
    await warm.command('DEL', 'warm:answered:h') // only the hot tier has it
    const watch = await monitor(hot)
    let loads = 0
    const value = await cache.getOrLoad('h', () => {
      loads++
      return { from: 'loader' }
    })
    expect(value).toEqual({ from: 'hot' })
    expect(loads).toBe(0)
    expect(watch.commands().filter(([name]) => name === 'MGET')).toEqual([])
    watch.stop()
    await cache.idle()
    expect(await leftLeases(hot)).toEqual([])
    await Promise.all([cache.close(), other.close()])
  })

  test('garbage bytes in the hot tier, read by the lease request, are a decode error and a miss: the loader answers', async () => {
    const cache = await hotWarmCache('garbage-early')
    await primedByMisses(cache)
    const errors: string[] = []
    cache.on('decodeError', ({ tier, key }) => errors.push(`${tier}:${key}`))
    await hot.command('SET', 'hot:garbage-early:g', 'not an entry, just bytes under our key')
    expect(await cache.getOrLoad('g', () => 'loaded g')).toBe('loaded g')
    expect(errors).toContain('hot:g')
    await cache.idle()
    expect(await leftLeases(hot)).toEqual([])
    await cache.close()
  })

  test('a read that hits the warm tier after all gives the lease back at once, so nobody waits for it', async () => {
    const cache = await hotWarmCache('giveback')
    await primedByMisses(cache)
    const other = await hotWarmCache('giveback')
    await other.set('w', 'from warm')
    await other.idle()
    await hot.command('DEL', 'hot:giveback:w') // only the warm tier has it now
    let loads = 0
    expect(
      await cache.getOrLoad('w', () => {
        loads++
        return 'loaded'
      }),
    ).toBe('from warm')
    await cache.idle()
    expect(loads).toBe(0)
    expect(await leftLeases(hot)).toEqual([])
    // Read together with the hot tier's miss, it was back-filled there all the same.
    expect(await hot.command('EXISTS', 'hot:giveback:w')).toBe(1)
    // Another process missing the key now takes the lease at once rather than waiting for it. (A new
    // one: `other` may hold the value in its memory tier, if its bus was up when it set it.)
    await Promise.all([hot.command('DEL', 'hot:giveback:w'), warm.command('DEL', 'warm:giveback:w')])
    const late = await hotWarmCache('giveback')
    expect(await late.getOrLoad('w', () => 'loaded by other')).toBe('loaded by other')
    expect(late.stats().leaseWaits).toBe(0) // a lease left behind would hold it 10 s
    await Promise.all([cache.close(), other.close(), late.close()])
  })

  test('a stale entry is served and refreshed once, though the early lease request saw the entry', async () => {
    const clock = new ManualClock()
    const cache = await hotWarmCache('stale', { clock })
    await primedByMisses(cache)
    await cache.getOrLoad('s', () => 'v1', { ttl: 50, grace: '1m' })
    await cache.idle()
    clock.advance(50) // the end of the fresh period
    const fresh = await hotWarmCache('stale', { clock }) // no memory copy of 's'
    await primedByMisses(fresh)
    let loads = 0
    const loader = () => {
      loads++
      return 'v2'
    }
    expect(await fresh.getOrLoad('s', loader, { ttl: '1m', grace: '1m' })).toBe('v1')
    await waitFor(async () => (await fresh.getOrLoad('s', loader, { ttl: '1m', grace: '1m' })) === 'v2', {
      what: 'the refresh',
    })
    expect(loads).toBe(1)
    await fresh.idle()
    expect(await leftLeases(hot)).toEqual([])
    await Promise.all([cache.close(), fresh.close()])
  })

  test('four caches that all just missed a lot stampede on one key: one loader call', async () => {
    const caches = await Promise.all(Array.from({ length: 4 }, () => hotWarmCache('herd')))
    await Promise.all(caches.map((cache) => primedByMisses(cache)))
    const { values, loads } = await stampede(caches, 'herd-key', {
      callersPerCache: 25,
      value: 'once',
    })
    expect(new Set(values)).toEqual(new Set(['once']))
    expect(loads).toBe(1)
    await Promise.all(caches.map((cache) => cache.idle()))
    expect(await leftLeases(hot)).toEqual([])
    await Promise.all(caches.map((cache) => cache.close()))
  })
})

describe('close()', () => {
  test('a loader that ignores its abort signal and returns after close() sends nothing more to the clients', async () => {
    const hotClient = await nodeRedis(hot)
    const cache = createCache({
      namespace: 'late',
      tiers: [memoryTier(), redisTier({ name: 'hot', client: hotClient })],
    })
    const errors: unknown[] = []
    cache.on('tierError', (error) => errors.push(error))
    let release!: () => void
    let loaderStarted!: () => void
    const started = new Promise<void>((resolve) => {
      loaderStarted = resolve
    })
    const loading = cache.getOrLoad('k', async () => {
      loaderStarted()
      await new Promise<void>((resolve) => {
        release = resolve
      })
      return 'late value'
    })
    await started // the lease is held by now
    const outcome = loading.then(
      () => 'resolved',
      (error: unknown) => error,
    )
    await cache.close()
    const watch = await monitor(hot)
    release()
    // close() did not wait for the loader: its caller was told the cache closed.
    expect(await outcome).toBeInstanceOf(CacheClosedError)
    // A marker command through another connection: MONITOR shows commands in order, so once the
    // marker is there anything the cache sent after close() would be too.
    await hot.command('ECHO', 'marker')
    await waitFor(() => watch.commands().some(([name, arg]) => name === 'ECHO' && arg === 'marker'), {
      what: 'the marker',
    })
    watch.stop()
    expect(watch.commands().filter(([name]) => name !== 'ECHO')).toEqual([])
    expect(errors).toEqual([])
  })
})

describe('undecodable bytes', () => {
  test('garbage under one of our keys is a miss: counted, reported, and repaired by the next fill', async () => {
    const cache = await hotWarmCache('junk')
    const reported: string[] = []
    cache.on('decodeError', ({ tier, key, reason }) => reported.push(`${tier}:${key}:${reason}`))
    await hot.command('SET', 'hot:junk:k', 'definitely not an entry, just text long enough to have a header')
    await warm.command('SET', 'warm:junk:k', Buffer.from([0xc1, 0x01, 0x00, 0x01, 0xff]).toString('latin1'))
    await hot.command('LPUSH', 'hot:junk:list', 'wrong type')

    expect(await cache.getOrLoad('k', () => 'fresh')).toBe('fresh')
    expect(await cache.getOrLoad('list', () => 'also fresh')).toBe('also fresh')
    const [, hotStats, warmStats] = cache.stats().tiers
    expect(hotStats?.decodeErrors).toBe(1)
    expect(warmStats?.decodeErrors).toBe(1)
    expect(reported).toEqual([
      expect.stringMatching(/^hot:k:not a tiercache entry/),
      expect.stringMatching(/^warm:k:too short/),
    ])

    await cache.idle()
    const other = await hotWarmCache('junk')
    expect(await servedBy(other, () => other.getOrLoad('k', () => 'should not load'))).toEqual({
      source: 'hot',
      value: 'fresh',
    })
    expect(await servedBy(other, () => other.getOrLoad('list', () => 'should not load'))).toEqual({
      source: 'hot',
      value: 'also fresh',
    })
    await Promise.all([cache.close(), other.close()])
  })
})

describe('clear()', () => {
  test('removes this namespace from every tier and nothing else (not even a namespace sharing its prefix)', async () => {
    const shop = await hotWarmCache('shop')
    const shopping = await hotWarmCache('shopping')
    await shop.getMany(
      Array.from({ length: 1200 }, (_, i) => `k${i}`),
      (keys) => keys,
    )
    await shop.idle()
    await shop.set('k0', 'issues a version, creating the clock key')
    await shopping.set('k1', 'survives')
    await hot.command('SET', 'unrelated', 'survives')
    await hot.command('SET', 'hot:shop', 'survives')
    await shop.clear()
    expect((await hot.command('KEYS', '*')) as string[]).toEqual(
      expect.arrayContaining([
        'hot:shopping:k1',
        'hot:shopping#clock',
        'unrelated',
        'hot:shop',
        'hot:shop#clock',
      ]),
    )
    expect(await hot.command('DBSIZE')).toBe(5)
    expect(await warm.command('KEYS', '*')).toEqual(['warm:shopping:k1'])
    expect(await shop.get('k1')).toBeUndefined()
    expect(await shopping.get('k1')).toBe('survives')
    await Promise.all([shop.close(), shopping.close()])
  })
})

describe('ioredis through the same adapter', () => {
  test('Architecture 1 with an ioredis client, and a hot+warm stack mixing both drivers', async () => {
    const [hotClient, warmClient] = await Promise.all([ioredis(hot), nodeRedis(warm)])
    const cache = createCache({
      namespace: 'io',
      tiers: [
        memoryTier(),
        redisTier({ name: 'hot', client: hotClient, ttl: '1m' }),
        redisTier({ name: 'warm', client: warmClient }),
      ],
    })
    const value = { when: new Date(1), tags: new Set(['a']) }
    expect(await servedBy(cache, () => cache.getOrLoad('k', () => value))).toMatchObject({ source: 'loader' })
    const other = createCache({
      namespace: 'io',
      tiers: [redisTier({ name: 'hot', client: hotClient, ttl: '1m' })],
    })
    expect(await servedBy(other, () => other.getOrLoad('k', () => 'no'))).toEqual({ source: 'hot', value })
    expect(await other.getMany(['k', 'missing'])).toEqual([value, undefined])
    await other.delete('k')
    expect(await other.get('k')).toBeUndefined()
    await Promise.all([cache.close(), other.close()])
  })
})

describe('compression', () => {
  test('a compressing warm tier stores large values deflated and returns them intact', async () => {
    const [hotClient, warmClient] = await Promise.all([nodeRedis(hot), nodeRedis(warm)])
    const cache = createCache({
      namespace: 'zip',
      tiers: [
        redisTier({ name: 'hot', client: hotClient }),
        redisTier({ name: 'warm', client: warmClient, compress: { threshold: 512 } }),
      ],
    })
    const page = { html: '<li>product</li>'.repeat(2000) }
    await cache.set('page', page)
    const hotBytes = Number(await hot.command('STRLEN', 'hot:zip:page'))
    const warmBytes = Number(await warm.command('STRLEN', 'warm:zip:page'))
    expect(warmBytes).toBeLessThan(hotBytes / 10)
    await hot.command('DEL', 'hot:zip:page')
    expect(await servedBy(cache, () => cache.get('page'))).toEqual({ source: 'warm', value: page })
    await cache.close()
  })
})

describe('versioned writes', () => {
  test('concurrent sets from two instances leave every tier with the same, newest version', async () => {
    // Versions decide here, not time: a write timing out on a busy machine would leave a tier behind.
    const patient = { timeout: '30s' }
    for (let round = 0; round < 10; round++) {
      const a = await hotWarmCache('ver', patient)
      const b = await hotWarmCache('ver', patient)
      await Promise.all([a.set('k', `a${round}`), b.set('k', `b${round}`)])
      const hotValue = await servedBy(a, async () => {
        const fresh = await hotWarmCache('ver', patient)
        const value = await fresh.get('k')
        await fresh.close()
        return value
      })
      await hot.command('DEL', 'hot:ver:k')
      const readWarm = await hotWarmCache('ver', patient)
      const warmValue = await readWarm.get('k')
      expect(warmValue).toBe(hotValue.value)
      await Promise.all([a.close(), b.close(), readWarm.close()])
    }
  }, 120_000) // 40 caches opened and closed: on a busy machine that alone took over 30 s
})

describe('configuration audit', () => {
  test('reports a hot tier that persists and never evicts, and a warm tier without persistence', async () => {
    const [badHot, badWarm] = await Promise.all([
      startRedis({ args: ['--appendonly', 'yes', '--maxmemory-policy', 'noeviction'] }),
      startRedis({ args: ['--maxmemory', '16mb', '--maxmemory-policy', 'noeviction'] }),
    ])
    try {
      const [hotClient, warmClient] = await Promise.all([nodeRedis(badHot), nodeRedis(badWarm)])
      const cache = createCache({
        namespace: 'audit',
        tiers: [
          redisTier({ name: 'hot', client: hotClient, role: 'hot' }),
          redisTier({ name: 'warm', client: warmClient, role: 'warm' }),
        ],
      })
      const events: string[] = []
      cache.on('audit', (report) => events.push(report.tier))
      const [hotReport, warmReport] = await cache.audit()
      expect(hotReport?.findings.map((f) => f.setting).sort()).toEqual([
        'maxmemory',
        'maxmemory-policy',
        'persistence',
      ])
      expect(warmReport?.findings.map((f) => f.setting).sort()).toEqual(['maxmemory-policy', 'persistence'])
      expect(warmReport?.findings.find((f) => f.setting === 'persistence')?.message).toMatch(
        /warm cache without persistence/,
      )
      expect(events).toEqual(expect.arrayContaining(['hot', 'warm']))
      await cache.close()
    } finally {
      await Promise.all([badHot.stop(), badWarm.stop()])
    }
  })
})
