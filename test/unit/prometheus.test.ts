import { Registry } from 'prom-client'
import { afterEach, describe, expect, test } from 'vitest'
import { parsePrometheusText, type Sample } from '../../src/cli/metrics-text.js'
import {
  createCache,
  InvalidOptionError,
  memoryTier,
  prometheusMetrics,
  type TierCache,
} from '../../src/index.js'

const caches: TierCache[] = []
afterEach(async () => {
  await Promise.all(caches.splice(0).map((cache) => cache.close()))
})

function memoryCache(namespace: string): TierCache {
  const cache = createCache({ namespace, tiers: [memoryTier({ name: 'l1' })] })
  caches.push(cache)
  return cache
}

async function scrape(registry: Registry): Promise<Sample[]> {
  return parsePrometheusText(await registry.metrics())
}

function value(samples: readonly Sample[], name: string, labels: Record<string, string>): number | undefined {
  return samples.find(
    (sample) => sample.name === name && Object.entries(labels).every(([k, v]) => sample.labels[k] === v),
  )?.value
}

describe('prometheusMetrics', () => {
  test('reports per-tier hits, misses and entries, and loads, at scrape time', async () => {
    const cache = memoryCache('shop')
    const registry = new Registry()
    prometheusMetrics(cache, { registry, labels: { instance: 'api-1' } })
    await cache.getOrLoad('a', async () => 1)
    await cache.getOrLoad('a', async () => 1)
    await cache.getOrLoad('b', async () => 2)
    const samples = await scrape(registry)
    const labels = { namespace: 'shop', instance: 'api-1', tier: 'l1' }
    expect(value(samples, 'tiercache_tier_hits_total', labels)).toBe(1)
    expect(value(samples, 'tiercache_tier_misses_total', labels)).toBe(2)
    expect(value(samples, 'tiercache_tier_entries', labels)).toBe(2)
    expect(value(samples, 'tiercache_tier_up', labels)).toBe(1)
    expect(value(samples, 'tiercache_loads_total', { namespace: 'shop' })).toBe(2)
    expect(value(samples, 'tiercache_synced', { namespace: 'shop' })).toBe(1)
    const text = await registry.metrics()
    expect(text).toMatch(/# TYPE tiercache_tier_hits_total counter/)
    expect(text).toMatch(/# TYPE tiercache_load_duration_seconds histogram/)
    expect(text).toMatch(/# TYPE tiercache_tier_latency_seconds summary/)
  })

  test('the loader-duration histogram has cumulative buckets, a sum and a count per result', async () => {
    const cache = memoryCache('h')
    const registry = new Registry()
    prometheusMetrics(cache, { registry, loadBuckets: [0.5, 0.001] })
    await cache.getOrLoad('fast', async () => 1)
    await expect(
      cache.getOrLoad('broken', async () => {
        throw new Error('database down')
      }),
    ).rejects.toThrow()
    const samples = await scrape(registry)
    const ok = { namespace: 'h', result: 'ok' }
    expect(value(samples, 'tiercache_load_duration_seconds_bucket', { ...ok, le: '0.5' })).toBe(1)
    expect(value(samples, 'tiercache_load_duration_seconds_bucket', { ...ok, le: '+Inf' })).toBe(1)
    expect(value(samples, 'tiercache_load_duration_seconds_count', ok)).toBe(1)
    expect(value(samples, 'tiercache_load_duration_seconds_count', { namespace: 'h', result: 'error' })).toBe(
      1,
    )
    const buckets = samples.filter(
      (s) => s.name === 'tiercache_load_duration_seconds_bucket' && s.labels.result === 'ok',
    )
    expect(buckets.map((s) => s.labels.le)).toEqual(['0.001', '0.5', '+Inf'])
    expect(buckets.map((s) => s.value)).toEqual([...buckets.map((s) => s.value)].sort((x, y) => x - y))
  })

  test('several caches share one set of metrics; stop() removes a cache, the last one the metrics', async () => {
    const registry = new Registry()
    const first = prometheusMetrics(memoryCache('one'), { registry })
    const second = prometheusMetrics(memoryCache('two'), { registry })
    const namespaces = async () =>
      (await scrape(registry))
        .filter((s) => s.name === 'tiercache_tier_hits_total')
        .map((s) => s.labels.namespace)
    expect(await namespaces()).toEqual(['one', 'two'])
    first.stop()
    expect(await namespaces()).toEqual(['two'])
    second.stop()
    expect(await registry.metrics()).not.toMatch(/tiercache_/)
  })

  test('a custom prefix, and clear errors for bad options', () => {
    const cache = memoryCache('p')
    const registry = new Registry()
    prometheusMetrics(cache, { registry, prefix: 'shop_cache_' })
    expect(registry.getSingleMetric('shop_cache_tier_hits_total')).toBeDefined()
    expect(() => prometheusMetrics(cache, {} as never)).toThrow(InvalidOptionError)
    expect(() => prometheusMetrics(cache, { registry, prefix: '9bad' })).toThrow(/not a valid metric name/)
  })
})
