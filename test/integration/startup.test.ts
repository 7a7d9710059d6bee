import Fastify from 'fastify'
import { afterEach, describe, expect, test } from 'vitest'
import { geoCache, geoTopology } from '../../src/entries/geo.js'
import { createCache, type Logger, memoryTier, redisTier, type TierCache } from '../../src/index.js'
import { freePort, type RedisServer, startRedis } from '../support/redis-server.js'
import { waitFor } from '../support/wait.js'

/** What a cache does in its first moments, and when a Redis it needs is not there yet. */

const open: TierCache[] = []
const servers: RedisServer[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((cache) => cache.close()))
  await Promise.all(servers.splice(0).map((server) => server.stop()))
})

async function redis(port?: number): Promise<RedisServer> {
  const server = await startRedis(port === undefined ? {} : { port })
  servers.push(server)
  return server
}

function track<C extends TierCache>(cache: C): C {
  open.push(cache)
  return cache
}

/** A pino-style logger that keeps its lines as `level message`. */
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = []
  const at = (level: string) => (_context: object, message: string) => lines.push(`${level} ${message}`)
  return { lines, error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') }
}

describe('the first moments after createCache', () => {
  test('operations issued before the connection is up wait for it: the set reaches Redis, the second read is a memory hit', async () => {
    const server = await redis()
    const cache = track(
      createCache({
        namespace: 'early',
        tiers: [memoryTier(), redisTier({ name: 'redis', url: server.url })],
      }),
    )
    // No ready(): the first calls go out while the client is still connecting.
    await cache.set('user:1', { name: 'Ada' })
    expect(await server.command('EXISTS', 'redis:early:user:1')).toBe(1)
    let loads = 0
    const loader = async () => {
      loads++
      return { name: 'Grace' }
    }
    const first = await cache.getOrLoad('user:2', loader)
    const second = await cache.getOrLoad('user:2', loader)
    expect(loads).toBe(1)
    expect(second).toEqual(first)
    expect(Object.isFrozen(second)).toBe(true)
    const [memory, shared] = cache.stats().tiers
    expect(memory).toMatchObject({ state: 'up', hits: 1 })
    expect(shared).toMatchObject({ state: 'up', skipped: 0 })
  })

  test('ready() is false while a tier is still down, and true once every tier is up', async () => {
    const hot = await redis()
    const warmPort = await freePort()
    const cache = track(
      createCache({
        namespace: 'readiness',
        tiers: [
          memoryTier(),
          redisTier({ name: 'hot', url: hot.url }),
          redisTier({ name: 'warm', url: `redis://127.0.0.1:${warmPort}`, connectTimeout: '300ms' }),
        ],
        logger: recordingLogger(),
      }),
    )
    // The bus (on hot) is healthy, so memory tiers are in use, but warm is not there.
    expect(await cache.ready({ timeout: '1s' })).toBe(false)
    expect(cache.stats().tiers.map((tier) => tier.state)).toEqual(['up', 'up', 'down'])
    await redis(warmPort)
    expect(await cache.ready({ timeout: '10s' })).toBe(true)
    expect(cache.stats().tiers.map((tier) => tier.state)).toEqual(['up', 'up', 'up'])
  })
})

describe('the logger option', () => {
  test("the Fastify logger (pino) fits: a tier's state changes and the bus's arrive once each, as structured lines", async () => {
    const server = await redis()
    const lines: { level: number; msg: string; tier?: string; state?: string }[] = []
    const app = Fastify({
      logger: { level: 'debug', stream: { write: (line: string) => lines.push(JSON.parse(line)) } },
    })
    const cache = track(
      createCache({
        namespace: 'logged',
        logger: app.log,
        tiers: [memoryTier(), redisTier({ name: 'redis', url: server.url })],
      }),
    )
    expect(await cache.ready()).toBe(true)
    await server.kill9()
    await waitFor(() => cache.stats().tiers[1]?.state === 'down', { what: 'the tier down' })
    await server.restart()
    expect(await cache.ready({ timeout: '10s' })).toBe(true)
    const said = lines.map((line) => line.msg)
    expect(said.filter((msg) => msg === 'tiercache[logged]: tier "redis" is up')).toHaveLength(2)
    expect(said.filter((msg) => /^tiercache\[logged\]: tier "redis" is down/.test(msg))).toHaveLength(1)
    expect(said.filter((msg) => /invalidation bus is down/.test(msg))).toHaveLength(1)
    expect(said.filter((msg) => /invalidation bus is up/.test(msg))).toHaveLength(2)
    expect(lines.find((line) => line.state === 'down')).toMatchObject({ level: 40, tier: 'redis' })
    await app.close()
  })

  test('a logger without the four methods is refused before anything connects', () => {
    expect(() => createCache({ logger: { info: () => undefined } as never, tiers: [memoryTier()] })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    )
  })
})

describe('a Redis that is not running when the cache starts', () => {
  test('started 5 s after the program: the memory tier is back in use within 2 s of Redis answering, with a syncState event and a log line', async () => {
    const port = await freePort()
    const logger = recordingLogger()
    const started = performance.now()
    const cache = track(
      createCache({
        namespace: 'late',
        logger,
        tiers: [
          memoryTier(),
          redisTier({ name: 'redis', url: `redis://127.0.0.1:${port}`, connectTimeout: '1s' }),
        ],
      }),
    )
    const syncStates: boolean[] = []
    cache.on('syncState', ({ healthy }) => syncStates.push(healthy))

    // Without Redis the loader still answers (once the connect timeout has passed), and it is said.
    expect(await cache.getOrLoad('k', async () => 'from the loader')).toBe('from the loader')
    expect(logger.lines).toEqual([
      expect.stringMatching(
        /^warn .*tier "redis" has been unreachable for 1000 ms since the cache started \(.*ECONNREFUSED/,
      ),
    ])
    let [memory, shared] = cache.stats().tiers
    expect(memory?.state).toBe('bypassed')
    expect(shared?.state).toBe('down')
    expect(shared?.errors).toBeGreaterThan(0) // connection failures count as errors, not only skips
    expect(cache.stats().synced).toBe(false)

    // The scenario itself: Redis comes up five seconds after the program started. A real wait: what is
    // under test is the client's reconnection after seconds of refused attempts, which run on real timers.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 5000 - (performance.now() - started))))
    await redis(port) // resolves once it answers PING
    const answeredAt = performance.now()
    await waitFor(() => cache.stats().synced, { what: 'the memory tier back in use', timeoutMs: 10_000 })
    const backAfterMs = performance.now() - answeredAt
    expect(backAfterMs).toBeLessThan(2000)
    expect(syncStates).toEqual([true])
    expect(logger.lines).toContainEqual('info tiercache[late]: tier "redis" is up')
    expect(logger.lines).toContainEqual(
      'info tiercache[late]: invalidation bus is up; memory tiers are in use',
    )

    // And it is used: a load fills memory, the next read is a memory hit.
    let loads = 0
    const loader = async () => ++loads
    await cache.getOrLoad('after', loader)
    const hitsBefore = cache.stats().tiers[0]?.hits ?? 0
    expect(await cache.getOrLoad('after', loader)).toBe(1)
    ;[memory, shared] = cache.stats().tiers
    expect(memory).toMatchObject({ state: 'up', hits: hitsBefore + 1 })
    expect(shared?.state).toBe('up')
  }, 30_000)

  test('without a logger, one process warning says the tier is unreachable; nothing is said per call', async () => {
    const port = await freePort()
    const warnings = collectWarnings()
    try {
      const cache = track(
        createCache({
          namespace: 'silent',
          tiers: [
            memoryTier(),
            redisTier({ name: 'redis', url: `redis://127.0.0.1:${port}`, connectTimeout: '300ms' }),
          ],
        }),
      )
      for (let i = 0; i < 20; i++) expect(await cache.getOrLoad(`k${i}`, async () => i)).toBe(i)
      await waitFor(() => warnings.length > 0, { what: 'the warning' })
      await waitFor(() => (cache.stats().tiers[1]?.errors ?? 0) >= 3, {
        what: 'more failed connection attempts',
      })
      expect(warnings).toHaveLength(1)
      expect(warnings[0]?.message).toMatch(
        /tier "redis" has been unreachable for 300 ms since the cache started/,
      )
    } finally {
      warnings.stop()
    }
  })

  test('without a logger, a tier whose connection broke and stays down is said once too', async () => {
    const server = await redis()
    const warnings = collectWarnings()
    try {
      const cache = track(
        createCache({
          namespace: 'outage',
          tiers: [memoryTier(), redisTier({ name: 'redis', url: server.url, connectTimeout: '300ms' })],
        }),
      )
      expect(await cache.ready()).toBe(true)
      expect(warnings).toHaveLength(0)
      await server.kill9()
      await waitFor(() => warnings.length > 0, { what: 'the warning' })
      expect(warnings[0]?.message).toMatch(
        /tier "redis" has been unreachable for 300 ms since its connection broke/,
      )
      expect(cache.stats().tiers.map((tier) => tier.state)).toEqual(['bypassed', 'down'])
      await server.restart()
      expect(await cache.ready({ timeout: '10s' })).toBe(true)
      expect(warnings).toHaveLength(1)
    } finally {
      warnings.stop()
    }
  })
})

/** Process warnings about unreachable tiers, from now until `stop()`. */
function collectWarnings(): Error[] & { stop(): void } {
  const warnings = [] as unknown as Error[] & { stop(): void }
  const onWarning = (warning: Error) => {
    if ((warning as Error & { code?: string }).code === 'TIERCACHE_TIER_UNREACHABLE') warnings.push(warning)
  }
  process.on('warning', onWarning)
  warnings.stop = () => process.off('warning', onWarning)
  return warnings
}

describe('a geographic cache in its first moments', () => {
  async function topology(down?: 'us-east') {
    const [global, eu, us, euWest] = await Promise.all([redis(), redis(), redis(), redis()])
    const usEastPort = await freePort()
    const usEast = down === 'us-east' ? undefined : await redis(usEastPort)
    const url = (server: RedisServer) => ({ url: server.url })
    return {
      servers: { global, eu, us, 'eu-west': euWest, 'us-east': usEast },
      usEastPort,
      topology: geoTopology({
        global: url(global as RedisServer),
        regions: [
          { name: 'eu', redis: url(eu as RedisServer) },
          { name: 'us', redis: url(us as RedisServer) },
        ],
        dataCenters: [
          { name: 'eu-west', region: 'eu', redis: url(euWest as RedisServer) },
          { name: 'us-east', region: 'us', redis: { url: `redis://127.0.0.1:${usEastPort}` } },
        ],
      }),
    }
  }
  const keyIn = {
    global: 'global:g:article:1',
    eu: 'regional@eu:g:article:1',
    us: 'regional@us:g:article:1',
    'eu-west': 'local@eu-west:g:article:1',
    'us-east': 'local@us-east:g:article:1',
  }

  test('a set issued right after geoCache() resolves when every level of both regions holds it', async () => {
    const { servers: levels, topology: layout } = await topology()
    const euWest = track(geoCache(layout, { dataCenter: 'eu-west', namespace: 'g' }))
    await euWest.set('article:1', { title: 'first' }) // no ready(): every level is still connecting
    // Written, not skipped and replayed later: no level was passed over.
    for (const tier of euWest.stats().tiers) expect(tier.skipped, tier.name).toBe(0)
    for (const [level, server] of Object.entries(levels))
      expect(await server?.command('EXISTS', keyIn[level as keyof typeof keyIn]), level).toBe(1)
  })

  test('a level unreachable at start is skipped by the set after its connect timeout, and gets the write replayed when it is up', async () => {
    const { servers: levels, usEastPort, topology: layout } = await topology('us-east')
    const euWest = track(
      geoCache(layout, { dataCenter: 'eu-west', namespace: 'g', local: { connectTimeout: '300ms' } }),
    )
    await euWest.set('article:1', { title: 'first' })
    for (const level of ['global', 'eu', 'us', 'eu-west'] as const)
      expect(await levels[level]?.command('EXISTS', keyIn[level]), level).toBe(1)
    const usEast = await redis(usEastPort)
    await waitFor(async () => (await usEast.command('EXISTS', keyIn['us-east'])) === 1, {
      what: 'the missed set replayed into us-east',
      timeoutMs: 10_000,
    })
    expect(await euWest.ready({ timeout: '10s' })).toBe(true)
  })
})
