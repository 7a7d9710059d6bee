import { readFileSync } from 'node:fs'
import { Registry } from 'prom-client'
import { afterEach, expect, test } from 'vitest'
import { prometheusMetrics } from '../../src/entries/prometheus.js'
import { createCache, memoryTier, type TierCache } from '../../src/index.js'

/** docs/grafana/tiercache.json queries only metrics prometheusMetrics exports. */

const PREFIX = 'tiercache_'
const dashboardText = readFileSync(new URL('../../docs/grafana/tiercache.json', import.meta.url), 'utf8')

interface Panel {
  title?: string
  type?: string
  targets?: { expr?: string }[]
}

const caches: TierCache[] = []
afterEach(async () => {
  await Promise.all(caches.splice(0).map((cache) => cache.close()))
})

/** Every sample name a scrape can hold, from the TYPE lines (a series appears only once it has values). */
async function exportedNames(prefix: string): Promise<Set<string>> {
  const cache = createCache({ namespace: 'grafana', tiers: [memoryTier()] })
  caches.push(cache)
  const registry = new Registry()
  const metrics = prometheusMetrics(cache, { registry, prefix })
  const text = await registry.metrics()
  metrics.stop()
  const names = new Set<string>()
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const suffixes = {
      histogram: ['_bucket', '_sum', '_count'],
      summary: ['', '_sum', '_count'],
    }[type as string] ?? ['']
    for (const suffix of suffixes) names.add(`${name}${suffix}`)
  }
  return names
}

/** The metric names a PromQL expression reads: identifiers starting with the prefix. */
function metricNames(expr: string, prefix: string): string[] {
  return [...expr.matchAll(new RegExp(`\\b${prefix}[a-zA-Z0-9_:]+`, 'g'))].map((match) => match[0])
}

test('the dashboard parses and every metric its queries use is one the library exports', async () => {
  const dashboard = JSON.parse(dashboardText) as {
    panels: Panel[]
    templating: { list: { definition?: string }[] }
  }
  const queries = [
    ...dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr ?? '')),
    ...dashboard.templating.list.map((variable) => variable.definition ?? ''),
  ]
  const used = new Set(queries.flatMap((expr) => metricNames(expr, PREFIX)))
  const exported = await exportedNames(PREFIX)
  expect([...used].filter((name) => !exported.has(name))).toEqual([])
  for (const wanted of [
    'tiercache_tier_hits_total',
    'tiercache_tier_misses_total',
    'tiercache_tier_round_trip_seconds_bucket',
    'tiercache_loads_total',
    'tiercache_tier_errors_total',
    'tiercache_tier_up',
    'tiercache_synced',
    'tiercache_bus_messages_dropped_total',
  ])
    expect(used).toContain(wanted)
  for (const panel of dashboard.panels.filter((p) => p.type !== 'row'))
    expect(panel.targets?.length, panel.title).toBeGreaterThan(0)
  expect(queries.join('\n')).not.toMatch(/namespace=/)
})

test('with another prefix the same names are exported, so the dashboard fits after replacing tiercache_', async () => {
  const suffixes = (names: Set<string>, prefix: string) =>
    [...names].map((name) => name.slice(prefix.length)).sort()
  expect(suffixes(await exportedNames('shop_cache_'), 'shop_cache_')).toEqual(
    suffixes(await exportedNames(PREFIX), PREFIX),
  )
})
