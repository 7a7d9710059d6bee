import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  CacheClosedError,
  createCache,
  InvalidOptionError,
  InvalidTtlError,
  memoryTier,
  redisTier,
  type TierCache,
  TierCacheError,
} from '../../src/index.js'
import { withDeadline } from '../../src/tiers/redis/deadline.js'
import { ManualClock } from '../support/manual-clock.js'
import { freePort, type RedisServer, startRedis } from '../support/redis-server.js'
import { waitFor } from '../support/wait.js'

let redis: RedisServer
const caches: TierCache[] = []

beforeAll(async () => {
  redis = await startRedis()
})

afterAll(async () => {
  await Promise.all(caches.map((cache) => cache.close()))
  await redis.stop()
})

function cacheOver(namespace: string, options: Partial<Parameters<typeof createCache>[0]> = {}): TierCache {
  const cache = createCache({
    namespace,
    tiers: [memoryTier(), redisTier({ name: 'hot', url: redis.url })],
    ...options,
  })
  caches.push(cache)
  return cache
}

/** Settles like `promise`, or rejects after `ms`: a call that hangs fails the test instead of stalling it. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return withDeadline(promise, ms, () => new Error(`${what} still pending after ${ms} ms`))
}

describe('a set that resolves has taken effect everywhere', () => {
  test('TTLs outside (0, 10 years] fail before any I/O, and no process keeps reading an old value', async () => {
    const writer = cacheOver('ttl-range')
    const reader = cacheOver('ttl-range')
    await Promise.all([writer.ready({ timeout: '10s' }), reader.ready({ timeout: '10s' })])
    await writer.set('k', 'v1')
    expect(await reader.get('k')).toBe('v1')
    const stored = await redis.command('GET', 'hot:ttl-range:k')

    for (const ttl of [0, '0s', 1e300, '11y']) {
      await expect(writer.set('k', 'v2', { ttl })).rejects.toBeInstanceOf(InvalidTtlError)
    }
    expect(await redis.command('GET', 'hot:ttl-range:k')).toEqual(stored)
    expect(await writer.get('k')).toBe('v1')
    expect(await reader.get('k')).toBe('v1')

    await writer.set('k', 'v3', { ttl: '10y' })
    expect(await writer.get('k')).toBe('v3')
    await waitFor(async () => (await reader.get('k')) === 'v3', { what: 'the reader to see v3' })
    expect(Number(await redis.command('PTTL', 'hot:ttl-range:k'))).toBeGreaterThan(0)
  })
})

describe('a loader that never settles', () => {
  test('does not hold its key past the lease, and close() rejects every caller left waiting for it', async () => {
    const clock = new ManualClock()
    const cache = createCache({
      namespace: 'stuck',
      tiers: [memoryTier(), redisTier({ name: 'hot', url: redis.url })],
      load: { lease: { ttl: '300ms', pollInterval: '20ms' } },
      clock,
    })
    await cache.ready({ timeout: '10s' })
    let loaders = 0
    const forever = <T>() => {
      loaders++
      return new Promise<T>(() => undefined)
    }
    const first = cache.getOrLoad('k', forever<string>)
    const joined = cache.getOrLoad('k', forever<string>)
    const many = cache.getMany(['m1', 'm2'], forever<string[]>)
    await waitFor(() => loaders === 2, { what: 'the loads to start' })
    clock.advance(400)

    // Past the lease, a new caller starts its own load (it takes over the lease once Redis expires it).
    await expect(
      within(
        cache.getOrLoad('k', () => 'fresh'),
        15_000,
        'the new caller',
      ),
    ).resolves.toBe('fresh')

    const outcomes = ([first, joined, many] as Promise<unknown>[]).map((pending) =>
      within(pending, 20_000, 'a caller of the stuck load').then(
        () => 'resolved',
        (error: unknown) => error,
      ),
    )
    await within(cache.close(), 15_000, 'close()')
    for (const outcome of await Promise.all(outcomes)) expect(outcome).toBeInstanceOf(CacheClosedError)
  })
})

describe('a large getMany', () => {
  test('writes every loaded key to Redis, in bounded chunks, without tier errors', async () => {
    const cache = cacheOver('many', {
      tiers: [memoryTier({ maxEntries: 50_000 }), redisTier({ name: 'hot', url: redis.url })],
    })
    await cache.ready({ timeout: '10s' })
    // The writes to the tier are what this is about; the bus message announcing 40,000 keys to other
    // processes is 40 publishes, which a busy machine can make late.
    const errors: unknown[] = []
    cache.on('tierError', ({ tier, error }) => tier === 'hot' && errors.push(error))
    const keys = Array.from({ length: 40_000 }, (_, i) => `item:${i}`)
    const values = await cache.getMany(keys, (missing) => missing.map((key) => ({ key })))
    expect(values[39_999]).toEqual({ key: 'item:39999' })
    await cache.idle()
    let inRedis = 0
    let cursor = '0'
    do {
      const [next, found] = (await redis.command('SCAN', cursor, 'MATCH', 'hot:many:*', 'COUNT', '5000')) as [
        string,
        string[],
      ]
      cursor = String(next)
      inRedis += found.length
    } while (cursor !== '0')
    expect(errors).toEqual([])
    expect(inRedis).toBe(40_000)
  }, 120_000)
})

describe('close() right after createCache', () => {
  test('releases every socket and timer: the process exits by itself and the server is back to its connections', async () => {
    const clientCount = async () =>
      String(await redis.command('CLIENT', 'LIST'))
        .trim()
        .split('\n').length
    const baseline = await clientCount()
    const script = fileURLToPath(new URL('../support/create-close-cycles.ts', import.meta.url))
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      env: { ...process.env, REDIS_URL: redis.url, CYCLES: '300' },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let output = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    try {
      await waitFor(() => output.includes('closed'), {
        timeoutMs: 90_000,
        what: 'the child to finish its cycles',
      })
      // After its last close() the child has nothing left to do: it must exit without being told.
      expect(await within(exited, 20_000, 'the child process exiting')).toBe(0)
    } finally {
      child.kill('SIGKILL')
    }
    await waitFor(async () => (await clientCount()) <= baseline, {
      timeoutMs: 10_000,
      what: 'the server to be back to its baseline connections',
    })
  }, 150_000)
})

describe('namespaces never meet', () => {
  test('a prefix that would nest one namespace in another is refused before any connection', () => {
    // 'nest:' + 'a' + ':b:k' and 'nest:a:' + 'b' + ':k' would both be 'nest:a:b:k', and clear() of the
    // first would delete the second's entries.
    expect(() => redisTier({ name: 'outer', url: redis.url, prefix: 'nest:a:' })).toThrow(InvalidOptionError)
    expect(() => redisTier({ name: 'outer', url: redis.url, prefix: 'nest:a:' })).toThrow(TierCacheError)
  })

  test('clear() of one namespace leaves another namespace under the same prefix alone', async () => {
    const a = cacheOver('a', { tiers: [redisTier({ name: 'nest', url: redis.url, prefix: 'nest:' })] })
    const b = cacheOver('b', { tiers: [redisTier({ name: 'nest', url: redis.url, prefix: 'nest:' })] })
    await Promise.all([a.ready({ timeout: '10s' }), b.ready({ timeout: '10s' })])
    await a.set('b:k', 'in a')
    await b.set('k', 'in b')
    await a.clear()
    expect(await a.get('b:k')).toBeUndefined()
    expect(await b.get('k')).toBe('in b')
  })
})

describe('errors the cache emits', () => {
  test('a tier that cannot connect reports a TierError (a TierCacheError with a code), its cause the client error', async () => {
    const port = await freePort() // nothing listens there
    const cache = createCache({
      namespace: 'down',
      tiers: [memoryTier(), redisTier({ name: 'down', url: `redis://127.0.0.1:${port}` })],
    })
    caches.push(cache)
    const reported: unknown[] = []
    cache.on('tierError', ({ error }) => reported.push(error))
    const isConnectError = (error: unknown) => (error as { operation?: string }).operation === 'connect'
    await waitFor(() => reported.some(isConnectError), { timeoutMs: 10_000, what: 'a connect error report' })
    // The bus (on the same server) reports too: every error emitted is typed.
    for (const error of reported) expect(error).toBeInstanceOf(TierCacheError)
    const connect = reported.find(isConnectError)
    expect(connect).toMatchObject({ code: 'ERR_TIER_FAILED', tier: 'down', operation: 'connect' })
    expect((connect as Error).cause).toBeInstanceOf(Error)
  })
})
