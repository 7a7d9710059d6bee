import type { ChildProcess } from 'node:child_process'
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest'
import {
  CacheClosedError,
  createCache,
  LoaderTimeoutError,
  memoryTier,
  redisTier,
  type TierCache,
} from '../../src/index.js'
import { BACKENDS, type RedisBackend, startBackend } from '../support/backends.js'
import { closeClients, nodeRedis } from '../support/fixtures.js'
import { ManualClock } from '../support/manual-clock.js'
import { forkWorker, killWorkers, nextMessage } from '../support/processes.js'
import { startRedis } from '../support/redis-server.js'
import { loadsFinished, waitFor } from '../support/wait.js'

/** The shared tier of the describe.each block running now (one server, then a cluster). */
let hot: RedisBackend
const caches: TierCache[] = []
const children: ChildProcess[] = []

async function instance(options: Partial<Parameters<typeof createCache>[0]> = {}): Promise<TierCache> {
  const cache = createCache({
    namespace: 'lp',
    tiers: [memoryTier(), redisTier({ name: 'hot', client: await hot.nodeRedis() })],
    ...options,
  })
  caches.push(cache)
  await cache.ready()
  return cache
}

/** How many keys match `pattern` (in a cluster: on the master of the pattern's hash tag). */
async function keysMatching(pattern: string): Promise<number> {
  const reply = await hot.command('KEYS', pattern)
  return Array.isArray(reply) ? reply.length : 0
}

/** A promise the test settles when it chooses: a loader awaiting it runs as long as the test needs. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = () => {}
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { opened, open }
}

/**
 * Tests that fork worker processes: each compiles the cache's TypeScript as it starts, which on a
 * machine busy with other work took 10-20 s of the default 30 s.
 */
const WORKER_TEST_TIMEOUT_MS = 90_000

describe.each(BACKENDS)('on a %s hot tier', (kind) => {
  beforeAll(async () => {
    hot = await startBackend(kind)
  }, 60_000)
  afterEach(async () => {
    await killWorkers(children.splice(0))
    await Promise.all(caches.splice(0).map((cache) => cache.close()))
    await closeClients()
    await hot.flushAll()
  })
  afterAll(async () => {
    await hot?.stop()
  })

  describe('cluster-wide stampede protection', () => {
    test(
      '1,000 concurrent getOrLoad of one cold key over 4 processes → one loader call',
      async () => {
        const workers = Array.from({ length: 4 }, () =>
          forkWorker({ MODE: 'stampede', ...hot.workerEnv, KEY: 'cold', CALLERS: '250' }),
        )
        children.push(...workers)
        await Promise.all(workers.map((child) => nextMessage(child, 'ready')))
        const results = workers.map((child) =>
          nextMessage<{
            type: string
            loaderCalls: number
            errors: string[]
            values: string[]
            started: number
            finished: number
          }>(child, 'result'),
        )
        const parts = workers.map((child) => nextMessage<{ type: string; role: string }>(child, 'part'))
        for (const child of workers) child.send('start')
        // The load lasts until every other process waits for its lease.
        const roles = (await Promise.all(parts)).map((part) => part.role)
        expect(roles.sort()).toEqual(['loading', 'waiting', 'waiting', 'waiting'])
        for (const child of workers) child.send('release')
        const reports = await Promise.all(results)
        expect(reports.flatMap((report) => report.errors)).toEqual([])
        expect(reports.reduce((sum, report) => sum + report.loaderCalls, 0)).toBe(1)
        expect(new Set(reports.flatMap((report) => report.values))).toEqual(new Set(['value of cold']))
        const tookMs =
          Math.max(...reports.map((r) => r.finished)) - Math.min(...reports.map((r) => r.started))
        expect(tookMs).toBeLessThan(2000)
      },
      WORKER_TEST_TIMEOUT_MS,
    )

    test(
      'a lease holder killed mid-load: another process loads once the lease expires; nobody waits forever',
      async () => {
        // The holder's lease outlives this test's set-up however slow the machine is; once the survivor
        // waits for it and the holder is dead, it is made to expire soon (instead of in 30 s).
        const holder = forkWorker({
          MODE: 'hold',
          ...hot.workerEnv,
          KEY: 'held',
          LEASE_TTL: '30s',
          NAMESPACE: 'lp',
        })
        children.push(holder)
        await nextMessage(holder, 'loading')
        const leaseKey = kind === 'cluster' ? 'hot:{lp:held}#lease' : 'hot:lp#lease:held'
        const holderToken = await hot.command('GET', leaseKey)
        expect(holderToken).toEqual(expect.any(String))
        const cache = await instance({ load: { lease: { ttl: '5s', pollInterval: '50ms' } } })
        const started = Date.now()
        let leaseWhileLoading: unknown
        const waiting = cache.getOrLoad('held', async () => {
          leaseWhileLoading = await hot.command('GET', leaseKey)
          return 'loaded by the survivor'
        })
        await waitFor(() => cache.stats().leaseWaits === 1, { what: 'the survivor to wait for the lease' })
        await killWorkers([holder])
        await hot.command('PEXPIRE', leaseKey, '300')
        expect(await waiting).toBe('loaded by the survivor')
        expect(leaseWhileLoading).not.toEqual(holderToken) // it loaded once the dead holder's lease was gone…
        // …and would not have waited longer than its own lease TTL (5 s) in any case; slack for a busy machine.
        expect(Date.now() - started).toBeLessThan(10_000)
        expect(cache.stats().leaseWaits).toBe(1)
      },
      WORKER_TEST_TIMEOUT_MS,
    )
  })

  describe('lease release', () => {
    test('the fill gives the lease back and wakes a waiting process at once; no lease key is left', async () => {
      // Polls far apart: only the "filled" announcement can wake the waiter within the test.
      const lease = { ttl: '10s', pollInterval: '5s' }
      const [holder, waiter] = await Promise.all([
        instance({ load: { lease } }),
        instance({ load: { lease } }),
      ])
      let loaderStarted = () => {}
      const started = new Promise<void>((resolve) => {
        loaderStarted = resolve
      })
      let finishLoad = () => {}
      const gate = new Promise<void>((resolve) => {
        finishLoad = resolve
      })
      const holding = holder.getOrLoad('k', async () => {
        loaderStarted()
        await gate
        return 'loaded once'
      })
      await started
      let waiterCalls = 0
      const waiting = waiter.getOrLoad('k', () => {
        waiterCalls++
        return 'loaded twice'
      })
      await waitFor(async () => waiter.stats().leaseWaits === 1, { what: 'the waiter to wait for the lease' })
      const filledAt = Date.now()
      finishLoad()
      expect(await holding).toBe('loaded once')
      expect(await waiting).toBe('loaded once')
      expect(Date.now() - filledAt).toBeLessThan(2500)
      expect(waiterCalls).toBe(0)
      await holder.idle()
      const leaseKeys = kind === 'cluster' ? '*{lp:k}#*' : 'hot:lp#*:k'
      await waitFor(async () => (await keysMatching(leaseKeys)) === 0, { what: 'the lease keys to go' })
    })
  })

  describe('stale-while-revalidate', () => {
    test('within grace the stale value comes back at once and is refreshed once across processes', async () => {
      const [a, b, c] = await Promise.all([instance(), instance(), instance()])
      let calls = 0
      let release = () => {}
      const refreshed = new Promise<void>((resolve) => {
        release = resolve
      })
      await a.getOrLoad('k', () => 'v1', { ttl: 50, grace: '1m' })
      await a.idle()
      await Promise.all([b.get('k'), c.get('k')])
      await waitFor(async () => !(await a.has('k')), { what: 'the entry to go stale' })
      // The refresh's loader waits until every caller has been answered: answers cannot come from it.
      const loader = async () => {
        calls++
        await refreshed
        return 'v2'
      }
      const answers = await Promise.all(
        [a, b, c].map((cache) => cache.getOrLoad('k', loader, { ttl: '1m', grace: '1m' })),
      )
      expect(answers).toEqual(['v1', 'v1', 'v1'])
      release()
      await waitFor(async () => (await c.getOrLoad('k', loader, { ttl: '1m', grace: '1m' })) === 'v2', {
        what: 'the refresh',
      })
      expect(calls).toBe(1) // one refresh across the three processes
      expect(a.stats().staleServed + b.stats().staleServed + c.stats().staleServed).toBeGreaterThanOrEqual(3)
    })
  })

  describe('fail-safe', () => {
    test('a failing loader with no stale value rejects with LoaderError carrying the cause', async () => {
      const cache = await instance()
      const cause = new Error('database unreachable')
      await expect(
        cache.getOrLoad('k', () => {
          throw cause
        }),
      ).rejects.toMatchObject({ code: 'ERR_LOADER_FAILED', cause })
    })

    // Loader back-off does not depend on what the shared tier runs on: once is enough.
    test.skipIf(kind === 'cluster')(
      'loader failing for 30 s with entries in grace: callers get stale values, the loader is retried at the back-off rate',
      async () => {
        const clock = new ManualClock()
        const cache = await instance({ load: { staleWhileRevalidate: false, failSafeBackoff: '2s' }, clock })
        await cache.getOrLoad('a', () => 'good a', { ttl: 10, grace: '5m' })
        await cache.getOrLoad('b', () => 'good b', { ttl: 10, grace: '5m' })
        await loadsFinished(cache)
        clock.advance(20)
        let failing = true
        let loaderCalls = 0
        const loader = (key: string) => async () => {
          loaderCalls++
          if (failing) throw new Error('database down')
          return `recovered ${key}`
        }
        const answers: string[] = []
        const errors: unknown[] = []
        // 30 s of the clock's time: every 25 ms, eight callers ask for one of the two keys each.
        for (let elapsed = 0; elapsed < 30_000; elapsed += 25) {
          await Promise.all(
            Array.from({ length: 8 }, async (_, i) => {
              const key = i % 2 ? 'a' : 'b'
              try {
                answers.push(await cache.getOrLoad(key, loader(key), { ttl: 10, grace: '5m' }))
              } catch (error) {
                errors.push(error)
              }
            }),
          )
          clock.advance(25)
        }
        expect(errors).toEqual([])
        expect(answers.length).toBeGreaterThan(2000)
        expect(new Set(answers)).toEqual(new Set(['good a', 'good b']))
        // 30 s at one retry per key per 2 s back-off: about 15 per key; a loader call per read would be thousands.
        expect(loaderCalls).toBeGreaterThanOrEqual(20)
        expect(loaderCalls).toBeLessThanOrEqual(40)
        failing = false
        clock.advance(2100)
        await waitFor(
          async () => (await cache.getOrLoad('a', loader('a'), { ttl: '1m', grace: '5m' })) === 'recovered a',
        )
      },
      60_000,
    )
  })

  describe('timeouts', () => {
    test('hard timeout: the loader signal aborts and the caller gets LoaderTimeoutError (or the stale value)', async () => {
      const clock = new ManualClock()
      const cache = await instance({ load: { hardTimeout: 100 }, clock })
      let signal: AbortSignal | undefined
      const started = performance.now()
      const error = await cache
        .getOrLoad('slow', (context) => {
          signal = context.signal
          return new Promise(() => undefined)
        })
        .catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(LoaderTimeoutError)
      expect(performance.now() - started).toBeLessThan(400)
      expect(signal?.aborted).toBe(true)
      expect(signal?.reason).toBe(error)
      expect(cache.stats().loadTimeouts).toBe(1)

      await cache.getOrLoad('with-stale', () => 'old', { ttl: 10, grace: '1m' })
      await loadsFinished(cache)
      clock.advance(20)
      const fallback = await cache.getOrLoad('with-stale', () => new Promise<string>(() => undefined), {
        ttl: 10,
        grace: '1m',
        staleWhileRevalidate: false,
      })
      expect(fallback).toBe('old')
    })

    test('soft timeout: a slow load returns the stale value after the soft timeout and completes in the background', async () => {
      const clock = new ManualClock()
      const cache = await instance({ load: { staleWhileRevalidate: false, softTimeout: 50 }, clock })
      await cache.getOrLoad('k', () => 'old', { ttl: 10, grace: '1m' })
      await loadsFinished(cache)
      clock.advance(20)
      const database = gate()
      const started = performance.now()
      const answer = await cache.getOrLoad(
        'k',
        async () => {
          await database.opened // slower than the soft timeout: it answers once the caller has the stale value
          return 'new'
        },
        { ttl: '1m', grace: '1m' },
      )
      const took = performance.now() - started
      database.open()
      expect(answer).toBe('old')
      expect(took).toBeGreaterThanOrEqual(45)
      expect(took).toBeLessThan(250)
      await waitFor(async () => (await cache.get('k')) === 'new', { what: 'the background load' })
    })

    test('close() aborts a running loader through its signal', async () => {
      const cache = createCache({ namespace: 'lp', tiers: [memoryTier()] })
      const loading = gate()
      const aborted = new Promise<void>((resolve) => {
        void cache
          .getOrLoad('k', ({ signal }) => {
            loading.open()
            return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
          })
          .catch((error: unknown) => {
            expect(error).toBeInstanceOf(CacheClosedError)
            resolve()
          })
      })
      await loading.opened
      await cache.close()
      await aborted
    })
  })

  describe('refresh-ahead', () => {
    test('an entry read in the last part of its fresh period is refreshed before it expires', async () => {
      const clock = new ManualClock()
      const cache = await instance({ load: { refreshAhead: 0.5 }, clock })
      let generation = 0
      const loader = () => `generation ${++generation}`
      expect(await cache.getOrLoad('k', loader, { ttl: 300 })).toBe('generation 1')
      await loadsFinished(cache)
      clock.advance(200) // in the last half of the fresh period
      expect(await cache.getOrLoad('k', loader, { ttl: 300 })).toBe('generation 1')
      await waitFor(async () => (await cache.get('k')) === 'generation 2', {
        what: 'the refresh',
        timeoutMs: 1000,
      })
      clock.advance(150) // generation 1 would have expired by now; generation 2 has not
      expect(await cache.getOrLoad('k', loader, { ttl: 300 })).toBe('generation 2')
      expect(cache.stats().refreshes).toBeGreaterThanOrEqual(1)
    })
  })

  describe('warming', () => {
    test('warm(keys, loader) loads in batches with progress; warm(keys({ tier })) refills a faster tier from a slower one', async () => {
      const warm = await startRedis({ args: ['--appendonly', 'yes'] })
      try {
        const [hotClient, warmClient] = await Promise.all([hot.nodeRedis(), nodeRedis(warm)])
        const tiers = () => [
          memoryTier(),
          redisTier({ name: 'hot', client: hotClient }),
          redisTier({ name: 'warm', client: warmClient }),
        ]
        const cache = createCache({ namespace: 'warming', tiers: tiers() })
        caches.push(cache)
        const keys = Array.from({ length: 1000 }, (_, i) => `product:${i}`)
        const progress: number[] = []
        const batches: number[] = []
        const result = await cache.warm(
          keys,
          (batch) => {
            batches.push(batch.length)
            return batch.map((key) => ({ key }))
          },
          { batchSize: 100, concurrency: 3, onProgress: (p) => progress.push(p.processed) },
        )
        expect(result).toMatchObject({ processed: 1000, loaded: 1000, cached: 0, failed: 0, done: true })
        expect(batches).toEqual(Array(10).fill(100))
        expect(progress.at(-1)).toBe(1000)
        await cache.idle()

        // The hot tier restarts empty; the warm tier still has everything.
        await hot.flushAll()
        const refill = await cache.warm(cache.keys({ tier: 'warm' }), undefined, { batchSize: 200 })
        expect(refill).toMatchObject({ processed: 1000, cached: 1000, loaded: 0 })
        await cache.idle()
        expect(await hot.countKeys()).toBeGreaterThanOrEqual(1000)
      } finally {
        await warm.stop()
      }
    })

    // Memory only.
    test.skipIf(kind === 'cluster')(
      'a scheduled warmer runs every interval and stops on close()',
      async () => {
        // The warmer's interval timer runs on fake time, moved on by the test.
        vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
        try {
          const cache = createCache({ namespace: 'sched', tiers: [memoryTier()] })
          let runs = 0
          const warmer = cache.warm(
            () => {
              runs++
              return ['a', 'b']
            },
            (keys) => keys,
            { every: 50, ttl: 1 },
          )
          await waitFor(
            async () => {
              await vi.advanceTimersByTimeAsync(50)
              return runs >= 3
            },
            { what: 'three runs' },
          )
          expect(warmer.last).toMatchObject({ processed: 2 })
          await cache.close()
          const after = runs
          await vi.advanceTimersByTimeAsync(150) // three more intervals, had the timer survived
          expect(runs).toBe(after)
        } finally {
          vi.useRealTimers()
        }
      },
    )
  })
})
