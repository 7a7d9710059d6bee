import type { CacheStats, TierStats } from '../cache.js'
import type { Labels, Watcher } from './watcher.js'

export interface Value {
  value: number
  labels: Labels
}

/** A counter or gauge read from a watched cache at scrape time. */
export interface ScrapedDefinition {
  name: string
  help: string
  type: 'counter' | 'gauge'
  /** Labels the values carry besides the cache's own (`cache` and the user's). */
  labelNames: readonly string[]
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

/** The counters and gauges reported for every cache, named with prefix `p`. */
export function scrapedDefinitions(p: string): ScrapedDefinition[] {
  const metric =
    (type: 'counter' | 'gauge', labelNames: readonly string[]) =>
    (name: string, help: string, values: ScrapedDefinition['values']): ScrapedDefinition => ({
      name: `${p}${name}`,
      help,
      type,
      labelNames,
      values,
    })
  const tierCounter = metric('counter', ['tier'])
  const tierGauge = metric('gauge', ['tier'])
  const counter = metric('counter', [])
  const gauge = metric('gauge', [])
  return [
    tierCounter(
      'tier_hits_total',
      'Reads answered by the tier with a fresh value.',
      perTier((t) => t.hits),
    ),
    tierCounter(
      'tier_misses_total',
      'Reads the tier could not answer.',
      perTier((t) => t.misses),
    ),
    tierCounter(
      'tier_stale_hits_total',
      'Reads answered with a value past fresh, within grace.',
      perTier((t) => t.staleHits),
    ),
    tierCounter(
      'tier_errors_total',
      'Failed tier operations (connection errors, timeouts).',
      perTier((t) => t.errors),
    ),
    tierCounter(
      'tier_decode_errors_total',
      'Entries whose bytes did not decode.',
      perTier((t) => t.decodeErrors),
    ),
    tierCounter(
      'tier_skipped_total',
      'Operations skipped while the tier was unavailable.',
      perTier((t) => t.skipped),
    ),
    tierCounter(
      'tier_writes_total',
      'Entries written to the tier.',
      perTier((t) => t.writes),
    ),
    tierCounter(
      'tier_writes_refused_total',
      'Writes refused because the tier held a newer version.',
      perTier((t) => t.writesRefused),
    ),
    tierCounter(
      'tier_evictions_total',
      'Entries evicted to make room (memory tiers).',
      perTier((t) => t.evictions),
    ),
    tierGauge(
      'tier_entries',
      'Entries held (memory tiers).',
      perTier((t) => t.entries),
    ),
    tierGauge(
      'tier_bytes',
      'Bytes held (memory tiers).',
      perTier((t) => t.bytes),
    ),
    tierGauge(
      'tier_up',
      '1 when the tier is in use (state up: a Redis tier connected with its circuit closed, a memory tier not bypassed), else 0.',
      perTier((t) => (t.state === 'up' ? 1 : 0)),
    ),
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
    metric('counter', ['reason'])(
      'stale_served_total',
      'Reads answered with a stale value, by reason.',
      (watcher) => {
        const values = [...watcher.staleReasons].map(([reason, value]) => ({
          value,
          labels: { ...watcher.labels, reason },
        }))
        return values.length > 0
          ? values
          : [{ value: watcher.stats().staleServed, labels: { ...watcher.labels, reason: 'any' } }]
      },
    ),
    metric('counter', ['kind'])(
      'invalidations_received_total',
      'Keys and tags other processes invalidated, applied here.',
      (watcher) =>
        (['key', 'tag'] as const).map((kind) => ({
          value: watcher.invalidations[kind],
          labels: { ...watcher.labels, kind },
        })),
    ),
    metric('counter', ['reason'])(
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
  ]
}
