import { Writable } from 'node:stream'
import Fastify from 'fastify'
import { type OpenMetricsContentType, Registry } from 'prom-client'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { CacheClosedError, createCache, memoryTier, redisTier } from '../../src/index.js'
import { tiercachePlugin } from '../../src/integrations/fastify.js'
import { freePort, type RedisServer, startRedis } from '../support/redis-server.js'
import { waitFor } from '../support/wait.js'

let redis: RedisServer

beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await redis?.stop()
})

/** A Fastify app whose pino logger writes JSON lines into `lines`. */
function appLoggingTo(lines: Record<string, unknown>[]) {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line))
      done()
    },
  })
  return Fastify({ logger: { level: 'debug', stream } })
}

test('app.cache serves routes, Fastify closes it, and /metrics reports it', async () => {
  const app = Fastify()
  const registry = new Registry()
  await app.register(tiercachePlugin, {
    options: {
      namespace: 'fastify',
      tiers: [memoryTier({ ttl: '1m' }), redisTier({ name: 'redis', url: redis.url })],
    },
    metrics: { registry },
  })
  let loads = 0
  app.get<{ Params: { id: string } }>('/products/:id', (request) =>
    app.cache.getOrLoad(`product:${request.params.id}`, async () => {
      loads++
      return { id: Number(request.params.id) }
    }),
  )
  await app.ready()
  for (let i = 0; i < 3; i++) {
    const response = await app.inject({ method: 'GET', url: '/products/7' })
    expect(response.json()).toEqual({ id: 7 })
  }
  expect(loads).toBe(1)

  const metrics = await app.inject({ method: 'GET', url: '/metrics' })
  expect(metrics.statusCode).toBe(200)
  expect(metrics.headers['content-type']).toContain('text/plain')
  expect(metrics.body).toMatch(/tiercache_tier_hits_total\{[^}]*tier="memory"[^}]*\} 2/)

  const { cache } = app
  await app.close()
  await expect(cache.get('product:7')).rejects.toBeInstanceOf(CacheClosedError)
})

test('the metrics option passes prometheusMetrics options and serves an OpenMetrics registry as such', async () => {
  const app = Fastify()
  const registry = new Registry<OpenMetricsContentType>()
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE)
  await app.register(tiercachePlugin, {
    options: { namespace: 'om', tiers: [memoryTier()] },
    metrics: { registry, prefix: 'shop_', labels: { pod: 'p1' }, latencySummary: true },
  })
  await app.ready()
  await app.cache.getOrLoad('k', async () => 1)
  const metrics = await app.inject({ method: 'GET', url: '/metrics' })
  expect(metrics.headers['content-type']).toContain('application/openmetrics-text')
  expect(metrics.body).toMatch(/^shop_loads_total\{cache="om",pod="p1"\} 1$/m)
  expect(metrics.body).toMatch(/^# TYPE shop_tier_latency_seconds summary$/m)
  expect(metrics.body).not.toMatch(/_total_total/)
  await app.close()
})

test("the cache logs to Fastify's logger: a tier that cannot be reached is said once", async () => {
  const lines: Record<string, unknown>[] = []
  const app = appLoggingTo(lines)
  const nobody = await freePort()
  await app.register(tiercachePlugin, {
    options: {
      namespace: 'fastify-log',
      tiers: [
        memoryTier(),
        redisTier({ name: 'absent', url: `redis://127.0.0.1:${nobody}`, connectTimeout: '200ms' }),
      ],
    },
  })
  await app.ready()
  const warnings = () => lines.filter((line) => line.tier === 'absent' && Number(line.level) >= 40)
  await waitFor(() => warnings().length > 0, {
    timeoutMs: 10_000,
    what: 'a warning about the unreachable tier in the Fastify log',
  })
  // Calls that skip the tier meanwhile say nothing more.
  for (let i = 0; i < 20; i++) await app.cache.getOrLoad(`k${i}`, async () => i)
  expect(warnings()).toHaveLength(1)
  await app.close()
})

test('a cache made elsewhere is decorated and, unless told otherwise, closed with the app', async () => {
  const cache = createCache({ namespace: 'given', tiers: [memoryTier()] })
  const app = Fastify()
  await app.register(tiercachePlugin, { cache, close: false })
  await app.ready()
  expect(app.cache).toBe(cache)
  await app.close()
  await cache.set('still', 'open')
  expect(await cache.get('still')).toBe('open')
  await cache.close()
})

test('the plugin needs exactly one of cache or options', async () => {
  const app = Fastify()
  await expect(app.register(tiercachePlugin, {})).rejects.toHaveProperty('code', 'ERR_INVALID_OPTION')
})
