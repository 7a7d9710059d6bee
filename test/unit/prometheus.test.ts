import { Gauge, type OpenMetricsContentType, Registry } from 'prom-client'
import { afterEach, describe, expect, test } from 'vitest'
import { parsePrometheusText, type Sample } from '../../src/cli/metrics-text.js'
import { prometheusMetrics } from '../../src/entries/prometheus.js'
import { createCache, InvalidOptionError, memoryTier, type TierCache } from '../../src/index.js'

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
    prometheusMetrics(cache, { registry, labels: { pod: 'api-1' } })
    await cache.getOrLoad('a', async () => 1)
    await cache.getOrLoad('a', async () => 1)
    await cache.getOrLoad('b', async () => 2)
    const samples = await scrape(registry)
    const labels = { cache: 'shop', pod: 'api-1', tier: 'l1' }
    expect(value(samples, 'tiercache_tier_hits_total', labels)).toBe(1)
    expect(value(samples, 'tiercache_tier_misses_total', labels)).toBe(2)
    expect(value(samples, 'tiercache_tier_entries', labels)).toBe(2)
    expect(value(samples, 'tiercache_tier_up', labels)).toBe(1)
    expect(value(samples, 'tiercache_loads_total', { cache: 'shop' })).toBe(2)
    expect(value(samples, 'tiercache_synced', { cache: 'shop' })).toBe(1)
    const text = await registry.metrics()
    expect(text).toMatch(/# TYPE tiercache_tier_hits_total counter/)
    expect(text).toMatch(/# TYPE tiercache_load_duration_seconds histogram/)
    expect(text).toMatch(/# TYPE tiercache_tier_round_trip_seconds histogram/)
    expect(text).not.toMatch(/tiercache_tier_latency_seconds/)
    expect(text).not.toMatch(/namespace=/)
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
    const ok = { cache: 'h', result: 'ok' }
    expect(value(samples, 'tiercache_load_duration_seconds_bucket', { ...ok, le: '0.5' })).toBe(1)
    expect(value(samples, 'tiercache_load_duration_seconds_bucket', { ...ok, le: '+Inf' })).toBe(1)
    expect(value(samples, 'tiercache_load_duration_seconds_count', ok)).toBe(1)
    expect(value(samples, 'tiercache_load_duration_seconds_count', { cache: 'h', result: 'error' })).toBe(1)
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
    const names = async () =>
      (await scrape(registry))
        .filter((s) => s.name === 'tiercache_tier_hits_total')
        .map((s) => s.labels.cache)
    expect(await names()).toEqual(['one', 'two'])
    first.stop()
    expect(await names()).toEqual(['two'])
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

/** `new Registry(Registry.OPENMETRICS_CONTENT_TYPE)`, which prom-client's typings do not declare. */
function openMetricsRegistry(): Registry<OpenMetricsContentType> {
  const registry = new Registry<OpenMetricsContentType>()
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE)
  return registry
}

describe('prometheusMetrics content types', () => {
  test('an OpenMetrics registry names counters once: no _total_total, scrape after scrape', async () => {
    const cache = memoryCache('shop')
    const registry = openMetricsRegistry()
    const metrics = prometheusMetrics(cache, { registry })
    await cache.getOrLoad('a', async () => 1)
    await cache.getOrLoad('a', async () => 1)
    for (let scrapes = 0; scrapes < 2; scrapes++) {
      const text = await registry.metrics()
      expect(text).not.toMatch(/_total_total/)
      expect(text).toMatch(/^# TYPE tiercache_tier_hits counter$/m)
      expect(text).toMatch(/^tiercache_tier_hits_total\{cache="shop",tier="l1"\} 1$/m)
      expect(text).toMatch(/^tiercache_loads_total\{cache="shop"\} 1$/m)
      expect(text).toMatch(/^tiercache_tier_entries\{cache="shop",tier="l1"\} 1$/m)
      expect(text.endsWith('# EOF\n')).toBe(true)
    }
    metrics.stop()
    expect(await registry.metrics()).not.toMatch(/tiercache_/)
  })

  test('a Prometheus registry keeps the _total names in TYPE lines and samples', async () => {
    const cache = memoryCache('shop')
    const registry = new Registry()
    expect(registry.contentType).toBe(Registry.PROMETHEUS_CONTENT_TYPE)
    prometheusMetrics(cache, { registry })
    await cache.getOrLoad('a', async () => 1)
    const text = await registry.metrics()
    expect(text).toMatch(/^# TYPE tiercache_loads_total counter$/m)
    expect(text).toMatch(/^tiercache_loads_total\{cache="shop"\} 1$/m)
    expect(text).not.toMatch(/_total_total|# EOF/)
  })
})

describe('prometheusMetrics options', () => {
  test('the latency summary is opt-in; the round-trip histogram is always there', async () => {
    const without = new Registry()
    prometheusMetrics(memoryCache('a'), { registry: without })
    expect(without.getSingleMetric('tiercache_tier_latency_seconds')).toBeUndefined()
    expect(without.getSingleMetric('tiercache_tier_round_trip_seconds')).toBeDefined()
    const withSummary = new Registry()
    prometheusMetrics(memoryCache('b'), { registry: withSummary, latencySummary: true })
    expect(await withSummary.metrics()).toMatch(/^# TYPE tiercache_tier_latency_seconds summary$/m)
  })

  test('caches sharing a registry and prefix must use the same label names and options', () => {
    const registry = new Registry()
    prometheusMetrics(memoryCache('one'), { registry, labels: { pod: 'a' } })
    expect(() => prometheusMetrics(memoryCache('two'), { registry, labels: { zone: 'b' } })).toThrow(
      InvalidOptionError,
    )
    expect(() => prometheusMetrics(memoryCache('two'), { registry })).toThrow(/same label names/)
    expect(() =>
      prometheusMetrics(memoryCache('two'), { registry, labels: { pod: 'b' }, latencySummary: true }),
    ).toThrow(InvalidOptionError)
    expect(() => prometheusMetrics(memoryCache('two'), { registry, labels: { pod: 'b' } })).not.toThrow()
    expect(() => prometheusMetrics(memoryCache('three'), { registry, prefix: 'other_' })).not.toThrow()
  })

  test('labels the metrics set themselves, or invalid names, are refused before registering', () => {
    const registry = new Registry()
    for (const name of ['cache', 'tier', 'le', '__meta', 'bad-name'])
      expect(() => prometheusMetrics(memoryCache('x'), { registry, labels: { [name]: 'v' } })).toThrow(
        InvalidOptionError,
      )
    expect(registry.getMetricsAsArray()).toEqual([])
  })

  test("stop() removes that cache's loader-duration series and keeps the other's", async () => {
    const registry = new Registry()
    const first = memoryCache('one')
    const second = memoryCache('two')
    const stopFirst = prometheusMetrics(first, { registry })
    prometheusMetrics(second, { registry })
    await first.getOrLoad('a', async () => 1)
    await second.getOrLoad('a', async () => 1)
    const counted = async () =>
      (await scrape(registry))
        .filter((s) => s.name === 'tiercache_load_duration_seconds_count')
        .map((s) => s.labels.cache)
    expect(await counted()).toEqual(['one', 'two'])
    stopFirst.stop()
    await first.getOrLoad('b', async () => 1)
    expect(await counted()).toEqual(['two'])
  })

  test('a metric name already taken refuses the call and leaves none of its metrics registered', async () => {
    const registry = new Registry()
    new Gauge({ name: 'tiercache_synced', help: 'the application’s own', registers: [registry] })
    expect(() => prometheusMetrics(memoryCache('one'), { registry })).toThrow(/already been registered/)
    expect(registry.getMetricsAsArray().map((metric) => metric.name)).toEqual(['tiercache_synced'])
    // The failed call left no settings behind: a later one with other labels fails for the same reason.
    expect(() => prometheusMetrics(memoryCache('two'), { registry, labels: { pod: 'a' } })).toThrow(
      /already been registered/,
    )
  })
})
