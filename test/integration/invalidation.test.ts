import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { createCache, memoryTier, redisTier, type TierCache } from '../../src/index.js'
import { BACKENDS, type RedisBackend, startBackend } from '../support/backends.js'
import { closeClients, expectWritesToReach, nodeRedis, servedBy } from '../support/fixtures.js'
import { ManualClock } from '../support/manual-clock.js'
import { monitorEvery } from '../support/monitor.js'
import { startRedis } from '../support/redis-server.js'
import { waitFor } from '../support/wait.js'

/** The shared tiers of the describe.each block running now: single servers, then Redis Clusters. */
let hot: RedisBackend
let warm: RedisBackend
const caches: TierCache[] = []

/**
 * One "process": its own memory tier over the shared hot and warm servers (its own connections).
 * `tierTimeout` for tests that count where values are, not how fast they get there.
 */
async function instance(
  namespace = 'inv',
  extra: Partial<Parameters<typeof createCache>[0]> = {},
  { tierTimeout }: { tierTimeout?: string } = {},
): Promise<TierCache> {
  const [hotClient, warmClient] = await Promise.all([hot.nodeRedis(), warm.nodeRedis()])
  const cache = createCache({
    namespace,
    tiers: [
      memoryTier({ ttl: '1h' }),
      redisTier({ name: 'hot', client: hotClient, timeout: tierTimeout }),
      redisTier({ name: 'warm', client: warmClient, timeout: tierTimeout }),
    ],
    ...extra,
  })
  caches.push(cache)
  expect(await cache.ready()).toBe(true)
  return cache
}

function deferred<T>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

describe.each(BACKENDS)('on %s Redis', (kind) => {
  /** The bus's command: a cluster tier publishes to a shard channel. */
  const publish = kind === 'cluster' ? 'SPUBLISH' : 'PUBLISH'
  /** A bus message carrying only a heartbeat, which these tests leave out of their counts. */
  const isHeartbeat = ([name, , body]: string[]) => name === publish && body?.includes('\\"h\\":1') === true
  beforeAll(async () => {
    ;[hot, warm] = await Promise.all([startBackend(kind), startBackend(kind)])
  }, 60_000)
  afterEach(async () => {
    await Promise.all(caches.splice(0).map((cache) => cache.close()))
    await closeClients()
    await Promise.all([hot.flushAll(), warm.flushAll()])
  })
  afterAll(async () => {
    await Promise.all([hot?.stop(), warm?.stop()])
  })

  describe('the invalidation bus', () => {
    test('delete and set in one process reach the memory tier of another', async () => {
      const [a, b] = await Promise.all([instance(), instance()])
      await expectWritesToReach(a, b, 'hot')
    })

    test('a process ignores its own messages: its freshly set value stays in its memory tier', async () => {
      const a = await instance()
      const seen: string[] = []
      a.on('invalidated', ({ keys }) => seen.push(...keys))
      await a.set('k', 'mine')
      const b = await instance()
      await b.set('other', 'x') // a message from another origin, which a does apply
      await waitFor(() => seen.includes('other'))
      expect(seen).not.toContain('k')
      expect(await servedBy(a, () => a.get('k'))).toEqual({ source: 'memory', value: 'mine' })
    })

    test('many invalidations in one tick travel in one message; big batches are split', async () => {
      const a = await instance()
      const watch = await monitorEvery(await hot.masters())
      await Promise.all(Array.from({ length: 50 }, (_, i) => a.delete(`k${i}`)))
      await a.deleteMany(Array.from({ length: 2500 }, (_, i) => `bulk${i}`))
      await waitFor(
        () =>
          watch.commands().filter(([name, , body]) => name === publish && body?.includes('bulk2499'))
            .length === 1,
      )
      watch.stop()
      const publishes = watch.commands().filter((command) => command[0] === publish && !isHeartbeat(command))
      expect(publishes.filter(([, , body]) => body?.includes('\\"k0\\"'))).toHaveLength(1)
      expect(publishes.filter(([, , body]) => body?.includes('bulk'))).toHaveLength(3)
    })

    test('a dropped subscriber connection suspends memory tiers, and nothing filled before is served after', async () => {
      const [a, b] = await Promise.all([instance(), instance()])
      await a.getOrLoad('k', () => 'old')
      expect(await servedBy(a, () => a.get('k'))).toMatchObject({ source: 'memory' })
      const states: boolean[] = []
      a.on('syncState', ({ healthy }) => states.push(healthy))

      await hot.everyMaster('CLIENT', 'KILL', 'TYPE', 'pubsub')
      await waitFor(() => states.includes(false), { what: 'a to notice the drop' })
      // While a cannot hear b, b's write must not be hidden by a's memory tier.
      await b.set('k', 'new')
      expect(await a.get('k')).toBe('new')
      await waitFor(() => states.at(-1) === true, { what: 'a to resubscribe' })
      expect(await a.get('k')).toBe('new')
      expect(a.stats().synced).toBe(true)
    })

    test("a gap in an origin's sequence numbers drops every memory entry (a lost message)", async () => {
      const a = await instance()
      await a.set('k', 'v')
      expect(await servedBy(a, () => a.get('k'))).toMatchObject({ source: 'memory' })
      const channel = 'hot:inv#bus'
      const publish = kind === 'cluster' ? 'SPUBLISH' : 'PUBLISH'
      await hot.command(publish, channel, JSON.stringify({ o: 'ghost', s: 1, h: 1 }))
      await hot.command(publish, channel, JSON.stringify({ o: 'ghost', s: 3, h: 1 })) // 2 was lost
      await waitFor(async () => (await servedBy(a, () => a.get('k'))).source === 'hot', {
        what: 'memory to be dropped',
      })
    })

    test('a silently stalled bus (no heartbeats coming back) suspends memory tiers', async () => {
      const a = await instance('inv', {
        sync: { bus: { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 400 } },
      })
      const states: boolean[] = []
      a.on('syncState', ({ healthy }) => states.push(healthy))
      const busServer = await hot.serverFor('hot:inv#bus')
      if (kind === 'cluster') {
        // A stopped cluster node would soon be marked failed by the others, and the cluster refuse
        // commands for seconds after: its clients are paused instead. Connections stay open and nothing
        // is answered, which is all the bus can see of a stall.
        await busServer.command('CLIENT', 'PAUSE', '2500', 'ALL')
        await waitFor(() => states.includes(false), { what: 'the stall to be noticed', timeoutMs: 2500 })
      } else {
        busServer.pause()
        try {
          await waitFor(() => states.includes(false), { what: 'the stall to be noticed', timeoutMs: 3000 })
        } finally {
          busServer.resume()
        }
      }
      await waitFor(() => states.at(-1) === true, { what: 'the bus to come back', timeoutMs: 5000 })
    })
  })

  describe('tags', () => {
    test('invalidateTags makes every tagged entry a miss, in every process, in O(1) commands', async () => {
      // 2,000 scripted fills can take longer than the default 1 s tier timeout on a busy machine.
      const patient = { tierTimeout: '30s' }
      const [a, b] = await Promise.all([instance('inv', {}, patient), instance('inv', {}, patient)])
      const keys = Array.from({ length: 2000 }, (_, i) => `product:${i}`)
      await a.getMany(keys, (batch) => batch.map((key) => ({ key })), { tags: ['category:7'] })
      await a.getOrLoad('listing:7', () => ['product:1'], { tags: ['category:7', 'listings'] })
      await a.getOrLoad('untagged', () => 'stays')
      expect(await a.idle()).toMatchObject({ unwrittenCount: 0 })
      expect(await servedBy(b, () => b.get('product:5'))).toMatchObject({ source: 'hot' })
      expect(await servedBy(b, () => b.get('product:5'))).toMatchObject({ source: 'memory' })

      await a.invalidateTags(['warm-up']) // loads the script, so the count below is the steady state
      const [hotWatch, warmWatch] = await Promise.all([
        monitorEvery(await hot.masters()),
        monitorEvery(await warm.masters()),
      ])
      await a.invalidateTags(['category:7'])
      // In a cluster the script and the publish may run on different masters, whose MONITOR streams
      // arrive independently: wait for both.
      await waitFor(() => {
        const names = hotWatch
          .commands()
          .filter((command) => !isHeartbeat(command))
          .map(([name]) => name)
        return names.includes('EVALSHA') && names.includes(publish)
      })
      hotWatch.stop()
      warmWatch.stop()
      const commands = hotWatch.commands().filter((command) => !isHeartbeat(command))
      expect(commands.map(([name]) => name)).toEqual(['EVALSHA', publish])
      expect(warmWatch.commands().filter(([name]) => name !== publish)).toEqual([])

      await waitFor(async () => (await b.get('product:5')) === undefined, {
        what: 'b to see the tag invalidation',
      })
      expect(await a.get('product:1999')).toBeUndefined()
      expect(await b.get('listing:7')).toBeUndefined()
      expect(await b.get('untagged')).toBe('stays')
      // Reloaded after the invalidation, the key is valid again.
      expect(await b.getOrLoad('product:5', () => 'reloaded', { tags: ['category:7'] })).toBe('reloaded')
      expect(await a.getOrLoad('product:5', () => 'not again', { tags: ['category:7'] })).toBe('reloaded')
    })

    test('a memory-tier hit on a tagged entry costs no round trip', async () => {
      const a = await instance()
      await a.getOrLoad('tagged', () => 'v', { tags: ['t1', 't2'] })
      await a.get('tagged') // the first read after the fill may learn the tags' versions
      const watch = await monitorEvery(await hot.masters())
      for (let i = 0; i < 1000; i++) expect(await a.get('tagged')).toBe('v')
      await a.set('marker', 1) // something we can wait for, to be sure MONITOR caught up
      await waitFor(() => watch.commands().some(([name]) => name === 'EVALSHA'))
      watch.stop()
      const reads = watch.commands().filter(([name]) => name !== publish && name !== 'EVALSHA')
      expect(reads).toEqual([])
    })

    test('tag state outlives every entry carrying the tag', async () => {
      const a = await instance('tagttl', { ttl: '2h', grace: '1h' })
      await a.getOrLoad('k', () => 'v', { tags: ['t'], ttl: '30d' })
      await a.invalidateTags(['t'])
      await a.idle()
      const tagTtl = Number(await hot.command('PTTL', hot.coordinatorKey('hot:', 'tagttl', '#tag:t')))
      const entryTtl = Number(await hot.command('PTTL', 'hot:tagttl:k'))
      expect(tagTtl).toBeGreaterThanOrEqual(24 * 3600 * 1000 - 5000)
      expect(entryTtl).toBeLessThanOrEqual(tagTtl)
    })

    // On a server of its own, whatever the block's backend: once is enough.
    test.skipIf(kind === 'cluster')(
      'invalidateTags fails loudly when the coordinator cannot record it',
      async () => {
        const stopped = await startRedis()
        const client = await nodeRedis(stopped)
        const cache = createCache({
          namespace: 't',
          tiers: [memoryTier(), redisTier({ name: 'hot', client })],
        })
        caches.push(cache)
        await stopped.stop()
        await expect(cache.invalidateTags(['t'])).rejects.toMatchObject({ code: 'ERR_INVALIDATION_FAILED' })
      },
    )
  })

  describe('no stale sets', () => {
    /** Starts a load of 'k' in `a` that returns `value` only after `overtake` has run. */
    async function slowLoadOvertakenBy(
      a: TierCache,
      value: string,
      overtake: () => Promise<void>,
    ): Promise<string> {
      const loading = deferred<void>()
      const release = deferred<void>()
      const slow = a.getOrLoad('k', async () => {
        loading.resolve()
        await release.promise
        return value
      })
      await loading.promise
      await overtake()
      release.resolve()
      return slow
    }

    test('a slow load overtaken by a delete in another process writes its value nowhere', async () => {
      const [a, b] = await Promise.all([instance(), instance()])
      // The caller who asked before the delete gets what it loaded…
      expect(await slowLoadOvertakenBy(a, 'stale', () => b.delete('k'))).toBe('stale')
      await a.idle()
      expect(await a.get('k')).toBeUndefined()
      expect(await b.get('k')).toBeUndefined()
      const fresh = await instance()
      expect(await fresh.get('k')).toBeUndefined()
      expect(await fresh.getOrLoad('k', () => 'current')).toBe('current')
    })

    test('a slow load overtaken by a set keeps the newer value in every tier', async () => {
      const [a, b] = await Promise.all([instance(), instance()])
      await slowLoadOvertakenBy(a, 'old', () => b.set('k', 'new'))
      await a.idle()
      await waitFor(async () => (await a.get('k')) === 'new')
      await hot.command('DEL', 'hot:inv:k')
      const fresh = await instance()
      expect(await servedBy(fresh, () => fresh.get('k'))).toEqual({ source: 'warm', value: 'new' })
    })
  })

  describe('the consistency bound', () => {
    test("is judged by the cache's clock: past it, with no heartbeat heard since, memory is not served", async () => {
      const clock = new ManualClock()
      const a = await instance('inv', { clock })
      await a.set('k', 'v')
      expect(await servedBy(a, () => a.get('k'))).toEqual({ source: 'memory', value: 'v' })
      // The read follows at once: no heartbeat can be heard in between to move the deadline on.
      clock.advance(5_000)
      expect(await servedBy(a, () => a.get('k'))).toEqual({ source: 'hot', value: 'v' })
      expect(a.stats().tiers[0]?.skipped).toBeGreaterThan(0)
    })
  })

  describe('a blocked event loop', () => {
    test('does not make the bus look down: memory tiers stay in use after a 2 s synchronous stall', async () => {
      const [a, listener] = await Promise.all([instance(), instance()])
      await waitFor(() => listener.stats().synced, { what: 'the listening cache to hear the bus' })
      const states: boolean[] = []
      a.on('syncState', ({ healthy }) => states.push(healthy))
      await a.set('k', 'v')
      // A real stall is the thing under test: timers run late, and before the socket reads behind them.
      const until = Date.now() + 2000
      while (Date.now() < until) {
        // CPU-bound work: no timers, no socket reads
      }
      // `a` sends a heartbeat on every tick, after judging the bus: two heard after the stall mean two
      // ticks have judged it (a heartbeat and the set's message, sent before it, may still be unread).
      const heard = (listener.stats().bus?.received ?? 0) + 4
      await waitFor(() => (listener.stats().bus?.received ?? 0) >= heard, { what: 'two heartbeat ticks' })
      expect(states).toEqual([])
      expect(await servedBy(a, () => a.get('k'))).toEqual({ source: 'memory', value: 'v' })
    })
  })
})
