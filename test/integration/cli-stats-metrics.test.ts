import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { prometheusMetrics } from '../../src/entries/prometheus.js'
import { createCache, memoryTier, redisTier, type TierCache } from '../../src/index.js'
import { runCli } from '../support/cli.js'
import { type RedisServer, startRedis } from '../support/redis-server.js'

/**
 * `tiercache stats --metrics` reads what prometheusMetrics serves: the `cache` label, a configured
 * prefix, and p50/p99 from the round-trip histogram when the application leaves the summary off.
 */

let server: RedisServer
let cache: TierCache
let endpoint: Server
let url: string

beforeAll(async () => {
  server = await startRedis()
  cache = createCache({
    namespace: 'shop',
    tiers: [memoryTier({ name: 'memory' }), redisTier({ name: 'hot', url: server.url })],
  })
  await cache.ready({ timeout: '10s' })
  const registry = new Registry()
  prometheusMetrics(cache, { registry, prefix: 'shop_cache_' })
  for (let i = 0; i < 20; i++) await cache.getOrLoad(`product:${i}`, async () => ({ id: i }))
  endpoint = createServer(async (_request, response) => response.end(await registry.metrics()))
  await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/metrics`
}, 60_000)

afterAll(async () => {
  await new Promise((resolve) => endpoint?.close(resolve))
  await cache?.close()
  await server?.stop()
})

test('stats --prefix reads the cache label and latency from the round-trip histogram', async () => {
  const result = await runCli(['stats', '--metrics', url, '--prefix', 'shop_cache_'])
  expect(result.code, result.stderr).toBe(0)
  expect(result.stdout).toMatch(/^cache\s+tier\s+hits\s+misses\s+hit ratio\s+p50\s+p99\s+errors/m)
  expect(result.stdout).toMatch(/^shop\s+memory\s+0\s+20\s/m)
  expect(result.stdout).toMatch(/^shop\s+hot\s+0\s+20\s+[\d.]+ %\s+[\d.]+ (µs|ms)\s+[\d.]+ (µs|ms)\s+0$/m)
  expect(result.stdout).toMatch(/loader calls 20/)
})

test('stats without the matching prefix says which metric it looked for', async () => {
  const result = await runCli(['stats', '--metrics', url])
  expect(result.code).not.toBe(0)
  expect(result.stderr).toContain('has no tiercache metrics (tiercache_tier_hits_total)')
  const bad = await runCli(['stats', '--metrics', url, '--prefix', '9bad'])
  expect(bad.stderr).toMatch(/--prefix must be a metric name start/)
})
