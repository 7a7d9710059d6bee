import type { CacheStats, TierStats } from '../cache.js'
import type { Watcher } from './prometheus.js'

export type Labels = Record<string, string>

export interface Value {
  value: number
  labels: Labels
  metricName?: string
}

/** One metric: its name, type and how to read its values from a watched cache at scrape time. */
export interface MetricDefinition {
  name: string
  help: string
  type: 'counter' | 'gauge' | 'summary' | 'histogram'
  values(watcher: Watcher): Value[]
}

function perTier(pick: (tier: TierStats) => number | undefined) {
  return (watcher: Watcher): Value[] =>
    watcher.stats().tiers.flatMap((tier) => {
      const value = pick(tier)
      return value === undefined ? [] : [{ value, labels: { ...watcher.labels, tier: tier.name } }]
    })
}

function perCache(pick: (stats: CacheStats) => number) {
  return (watcher: Watcher): Value[] => [{ value: pick(watcher.stats()), labels: { ...watcher.labels } }]
}

/** The metrics reported for every cache, named with prefix `p`. */
export function metricDefinitions(p: string): MetricDefinition[] {
  const counter = (name: string, help: string, values: MetricDefinition['values']): MetricDefinition => ({
    name: `${p}${name}`,
    help,
    type: 'counter',
    values,
  })
  const gauge = (name: string, help: string, values: MetricDefinition['values']): MetricDefinition => ({
    name: `${p}${name}`,
    help,
    type: 'gauge',
    values,
  })
  return [
    counter(
      'tier_hits_total',
      'Reads answered by the tier with a fresh value.',
      perTier((t) => t.hits),
    ),
    counter(
      'tier_misses_total',
      'Reads the tier could not answer.',
      perTier((t) => t.misses),
    ),
    counter(
      'tier_stale_hits_total',
      'Reads answered with a value past fresh, within grace.',
      perTier((t) => t.staleHits),
    ),
    counter(
      'tier_errors_total',
      'Failed tier operations (connection errors, timeouts).',
      perTier((t) => t.errors),
    ),
    counter(
      'tier_decode_errors_total',
      'Entries whose bytes did not decode.',
      perTier((t) => t.decodeErrors),
    ),
    counter(
      'tier_skipped_total',
      'Operations skipped while the tier was unavailable.',
      perTier((t) => t.skipped),
    ),
    counter(
      'tier_writes_total',
      'Entries written to the tier.',
      perTier((t) => t.writes),
    ),
    counter(
      'tier_writes_refused_total',
      'Writes refused because the tier held a newer version.',
      perTier((t) => t.writesRefused),
    ),
    counter(
      'tier_evictions_total',
      'Entries evicted to make room (memory tiers).',
      perTier((t) => t.evictions),
    ),
    gauge(
      'tier_entries',
      'Entries held (memory tiers).',
      perTier((t) => t.entries),
    ),
    gauge(
      'tier_bytes',
      'Bytes held (memory tiers).',
      perTier((t) => t.bytes),
    ),
    gauge(
      'tier_up',
      '1 when the tier is in use (state up: a Redis tier connected with its circuit closed, a memory tier not bypassed), else 0.',
      perTier((t) => (t.state === 'up' ? 1 : 0)),
    ),
    {
      name: `${p}tier_latency_seconds`,
      help: 'Round-trip latency of the tier since the cache started (Redis tiers), as quantiles.',
      type: 'summary',
      values: (watcher) =>
        watcher.stats().tiers.flatMap((tier) => {
          const latency = tier.latencyMicros
          if (!latency) return []
          const labels = { ...watcher.labels, tier: tier.name }
          return [
            ...(
              [
                ['0.5', latency.p50],
                ['0.9', latency.p90],
                ['0.99', latency.p99],
              ] as const
            ).map(([quantile, micros]) => ({ value: micros / 1e6, labels: { ...labels, quantile } })),
            {
              metricName: `${p}tier_latency_seconds_sum`,
              value: (latency.mean * latency.count) / 1e6,
              labels,
            },
            { metricName: `${p}tier_latency_seconds_count`, value: latency.count, labels },
          ]
        }),
    },
    {
      name: `${p}tier_round_trip_seconds`,
      help: 'Round-trip latency of the tier since the cache started (Redis tiers), as histogram buckets.',
      type: 'histogram',
      values: (watcher) =>
        watcher.stats().tiers.flatMap((tier) => {
          const latency = tier.latencyMicros
          if (!latency) return []
          const labels = { ...watcher.labels, tier: tier.name }
          const bucket = (le: string, value: number) => ({
            metricName: `${p}tier_round_trip_seconds_bucket`,
            value,
            labels: { ...labels, le },
          })
          return [
            ...latency.buckets.map(({ le, count }) => bucket(String(le / 1e6), count)),
            bucket('+Inf', latency.count),
            {
              metricName: `${p}tier_round_trip_seconds_sum`,
              value: (latency.mean * latency.count) / 1e6,
              labels,
            },
            { metricName: `${p}tier_round_trip_seconds_count`, value: latency.count, labels },
          ]
        }),
    },
    counter(
      'loads_total',
      'Loader calls (a batch loader call counts once).',
      perCache((s) => s.loads),
    ),
    counter(
      'load_errors_total',
      'Loader calls that failed.',
      perCache((s) => s.loadErrors),
    ),
    counter(
      'load_timeouts_total',
      'Loads abandoned at their hard timeout.',
      perCache((s) => s.loadTimeouts),
    ),
    counter(
      'single_flight_joins_total',
      "Callers that shared another caller's load.",
      perCache((s) => s.singleFlightJoins),
    ),
    counter(
      'refreshes_total',
      'Background refreshes started.',
      perCache((s) => s.refreshes),
    ),
    counter(
      'lease_waits_total',
      'Loads that waited for another process holding the lease.',
      perCache((s) => s.leaseWaits),
    ),
    gauge(
      'loads_in_flight',
      'Loads running now.',
      perCache((s) => s.inFlight),
    ),
    gauge(
      'synced',
      '1 when memory tiers are in use (invalidation channels healthy), else 0.',
      perCache((s) => (s.synced ? 1 : 0)),
    ),
    counter('stale_served_total', 'Reads answered with a stale value, by reason.', (watcher) => {
      const values = [...watcher.staleReasons].map(([reason, value]) => ({
        value,
        labels: { ...watcher.labels, reason },
      }))
      return values.length > 0
        ? values
        : [{ value: watcher.stats().staleServed, labels: { ...watcher.labels, reason: 'any' } }]
    }),
    counter(
      'invalidations_received_total',
      'Keys and tags other processes invalidated, applied here.',
      (watcher) =>
        (['key', 'tag'] as const).map((kind) => ({
          value: watcher.invalidations[kind],
          labels: { ...watcher.labels, kind },
        })),
    ),
    counter(
      'bus_messages_dropped_total',
      'Invalidation bus messages dropped unapplied, by reason: malformed, oversized, unauthenticated, replayed.',
      (watcher) => {
        const bus = watcher.stats().bus
        if (bus === undefined) return []
        return (['malformed', 'oversized', 'unauthenticated', 'replayed'] as const).map((reason) => ({
          value: bus[reason],
          labels: { ...watcher.labels, reason },
        }))
      },
    ),
    {
      name: `${p}load_duration_seconds`,
      help: 'How long loader calls took, by result.',
      type: 'histogram',
      values: (watcher) =>
        [...watcher.loadCounts].flatMap(([result, counts]) => {
          const labels = { ...watcher.labels, result }
          let cumulative = 0
          const bucketValues = [...watcher.buckets, Number.POSITIVE_INFINITY].map((bound, index) => {
            cumulative += counts[index] ?? 0
            return {
              metricName: `${p}load_duration_seconds_bucket`,
              value: cumulative,
              labels: { ...labels, le: bound === Number.POSITIVE_INFINITY ? '+Inf' : String(bound) },
            }
          })
          return [
            ...bucketValues,
            { metricName: `${p}load_duration_seconds_sum`, value: watcher.loadSums.get(result) ?? 0, labels },
            { metricName: `${p}load_duration_seconds_count`, value: cumulative, labels },
          ]
        }),
    },
  ]
}
