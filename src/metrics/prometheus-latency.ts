import type * as PromClient from 'prom-client'
import { LATENCY_BUCKET_MICROS } from '../tiers/tier-counters.js'
import type { Labels, Watcher } from './watcher.js'

interface LatencyValue {
  value: number
  labels: Record<string, string | number>
  metricName?: string
}

interface LatencyMetricOptions {
  name: string
  labelNames: readonly string[]
  registry: PromClient.Registry
  watchers: ReadonlySet<Watcher>
}

const ROUND_TRIP_HELP =
  'Round-trip latency of the tier since the cache started (Redis tiers), as histogram buckets.'
const SUMMARY_HELP = 'Round-trip latency of the tier since the cache started (Redis tiers), as quantiles.'

// The cache already keeps each tier's round trips in bounded buckets (`stats().tiers[i].latencyMicros`),
// so these metrics report those figures at scrape time instead of observing every round trip a second
// time: prom-client's Histogram and Summary, with `get()` returning the cache's values.

/** `<prefix>tier_round_trip_seconds`: each tier's round trips since the cache started, as a histogram. */
export function roundTripHistogram(prom: typeof PromClient, options: LatencyMetricOptions) {
  const { name, watchers } = options
  class RoundTripHistogram extends prom.Histogram {
    override async get() {
      return snapshot(name, ROUND_TRIP_HELP, 'histogram', [...watchers].flatMap(roundTripValues))
    }
    // What the registry calls for the text format when a histogram has it.
    async getForPromString() {
      return this.get()
    }
  }
  const roundTripValues = (watcher: Watcher): LatencyValue[] =>
    tierLatencies(watcher).flatMap(({ labels, latency }) => [
      ...latency.buckets.map(({ le, count }) => ({
        metricName: `${name}_bucket`,
        value: count,
        labels: { le: le / 1e6, ...labels },
      })),
      { metricName: `${name}_bucket`, value: latency.count, labels: { le: '+Inf', ...labels } },
      { metricName: `${name}_sum`, value: (latency.mean * latency.count) / 1e6, labels },
      { metricName: `${name}_count`, value: latency.count, labels },
    ])
  return new RoundTripHistogram({
    name,
    help: ROUND_TRIP_HELP,
    labelNames: options.labelNames,
    buckets: LATENCY_BUCKET_MICROS.map((micros) => micros / 1e6),
    registers: [options.registry],
  })
}

/** `<prefix>tier_latency_seconds` (opt-in): the same round trips as p50, p90 and p99. */
export function latencySummary(prom: typeof PromClient, options: LatencyMetricOptions) {
  const { name, watchers } = options
  class LatencySummary extends prom.Summary {
    override async get() {
      return snapshot(name, SUMMARY_HELP, 'summary', [...watchers].flatMap(summaryValues))
    }
  }
  const summaryValues = (watcher: Watcher): LatencyValue[] =>
    tierLatencies(watcher).flatMap(({ labels, latency }) => [
      ...(
        [
          [0.5, latency.p50],
          [0.9, latency.p90],
          [0.99, latency.p99],
        ] as const
      ).map(([quantile, micros]) => ({ value: micros / 1e6, labels: { ...labels, quantile } })),
      { metricName: `${name}_sum`, value: (latency.mean * latency.count) / 1e6, labels },
      { metricName: `${name}_count`, value: latency.count, labels },
    ])
  return new LatencySummary({
    name,
    help: SUMMARY_HELP,
    labelNames: options.labelNames,
    percentiles: [0.5, 0.9, 0.99],
    registers: [options.registry],
  })
}

/** The object a registry reads from a metric's `get()`. */
function snapshot(name: string, help: string, type: 'histogram' | 'summary', values: LatencyValue[]) {
  // Cast: prom-client's declared type wants fields (collect) that its registry does not read.
  return { name, help, type, aggregator: 'sum' as const, values } as never
}

function tierLatencies(watcher: Watcher) {
  return watcher.stats().tiers.flatMap((tier) => {
    const latency = tier.latencyMicros
    if (!latency) return []
    const labels: Labels = { ...watcher.labels, tier: tier.name }
    return [{ labels, latency }]
  })
}
