import type { CacheStats, TierCache } from '../cache.js'
import { InvalidOptionError } from '../errors.js'
import { type Labels, type MetricDefinition, metricDefinitions } from './prometheus-definitions.js'

/**
 * The slice of a prom-client `Registry` the adapter uses (prom-client ≥ 14; pass `register` or your own
 * `new Registry()`). tiercache does not import prom-client: it is an optional peer dependency.
 */
export interface PrometheusRegistry {
  registerMetric(metric: never): void
  removeSingleMetric(name: string): void
}

export interface PrometheusOptions {
  registry: PrometheusRegistry
  /** Prepended to every metric name. Default `'tiercache_'`. */
  prefix?: string
  /** Labels added to every series of this cache, e.g. `{ instance: 'api-1' }` (besides `namespace`). */
  labels?: Record<string, string>
  /** Upper bounds, in seconds, of the loader-duration histogram buckets. */
  loadBuckets?: readonly number[]
}

/** Stops reporting a cache; the metrics leave the registry with the last cache. */
export interface PrometheusMetrics {
  stop(): void
}

const DEFAULT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/**
 * Exposes a cache's figures as Prometheus metrics on a prom-client registry: per tier hits, misses,
 * stale hits, errors, writes, evictions, entries and round-trip latency (a summary with p50, p90 and p99
 * since start, as the cache measures them), and per cache loads, a loader-duration histogram, stale
 * serves by reason, invalidations received and whether memory tiers are in sync. Counters are read from
 * `cache.stats()` at scrape time; histograms and reasons come from the cache's events.
 *
 * @example
 * ```ts
 * import { register } from 'prom-client'
 * const metrics = prometheusMetrics(cache, { registry: register, labels: { instance: 'api-1' } })
 * app.get('/metrics', async () => register.metrics())
 * ```
 */
export function prometheusMetrics(cache: TierCache, options: PrometheusOptions): PrometheusMetrics {
  const registry = options?.registry
  if (!registry || typeof registry.registerMetric !== 'function')
    throw new InvalidOptionError(
      'prometheusMetrics needs { registry }: a prom-client Registry (e.g. register)',
    )
  const prefix = options.prefix ?? 'tiercache_'
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(prefix))
    throw new InvalidOptionError(`prometheusMetrics prefix "${prefix}" is not a valid metric name start`)
  const buckets = [...(options.loadBuckets ?? DEFAULT_BUCKETS)].sort((a, b) => a - b)
  const collector = collectorFor(registry, prefix)
  const watcher = new Watcher(cache, { namespace: cache.namespace, ...options.labels }, buckets)
  collector.add(watcher)
  return {
    stop() {
      watcher.detach()
      collector.remove(watcher)
    },
  }
}

/** Follows one cache's events for what `stats()` does not hold. */
export class Watcher {
  readonly loadCounts: Map<'ok' | 'error', number[]> = new Map()
  readonly loadSums = new Map<'ok' | 'error', number>()
  readonly staleReasons = new Map<string, number>()
  readonly invalidations = { key: 0, tag: 0 }
  private readonly listeners: [string, (...args: never[]) => void][]

  constructor(
    readonly cache: TierCache,
    readonly labels: Labels,
    readonly buckets: readonly number[],
  ) {
    const onLoad = ({ durationMs, ok }: { durationMs: number; ok: boolean }) => {
      const result = ok ? 'ok' : 'error'
      const counts = this.loadCounts.get(result) ?? new Array<number>(buckets.length + 1).fill(0)
      const seconds = durationMs / 1000
      const index = buckets.findIndex((bound) => seconds <= bound)
      counts[index < 0 ? buckets.length : index] = (counts[index < 0 ? buckets.length : index] ?? 0) + 1
      this.loadCounts.set(result, counts)
      this.loadSums.set(result, (this.loadSums.get(result) ?? 0) + seconds)
    }
    const onStale = ({ reason }: { reason: string }) =>
      this.staleReasons.set(reason, (this.staleReasons.get(reason) ?? 0) + 1)
    const onInvalidated = ({ keys, tags }: { keys: readonly string[]; tags: readonly string[] }) => {
      this.invalidations.key += keys.length
      this.invalidations.tag += tags.length
    }
    this.listeners = [
      ['load', onLoad as never],
      ['staleServed', onStale as never],
      ['invalidated', onInvalidated as never],
    ]
    for (const [event, listener] of this.listeners) cache.on(event as 'load', listener as never)
  }

  detach(): void {
    for (const [event, listener] of this.listeners) this.cache.off(event as 'load', listener as never)
  }

  stats(): CacheStats {
    return this.cache.stats()
  }
}

interface Collector {
  add(watcher: Watcher): void
  remove(watcher: Watcher): void
}

/** One set of metrics per registry and prefix, reporting every cache attached to it. */
const collectors = new WeakMap<PrometheusRegistry, Map<string, Collector>>()

function collectorFor(registry: PrometheusRegistry, prefix: string): Collector {
  let byPrefix = collectors.get(registry)
  if (!byPrefix) {
    byPrefix = new Map()
    collectors.set(registry, byPrefix)
  }
  const existing = byPrefix.get(prefix)
  if (existing) return existing
  const watchers = new Set<Watcher>()
  const definitions = metricDefinitions(prefix)
  const collector: Collector = {
    add(watcher) {
      if (watchers.size === 0) {
        for (const definition of definitions) registry.registerMetric(toMetric(definition, watchers) as never)
      }
      watchers.add(watcher)
    },
    remove(watcher) {
      watchers.delete(watcher)
      if (watchers.size > 0) return
      for (const definition of definitions) registry.removeSingleMetric(definition.name)
      byPrefix?.delete(prefix)
    },
  }
  byPrefix.set(prefix, collector)
  return collector
}

/** A metric object in the shape prom-client's registry reads (`get()` at scrape time). */
function toMetric(definition: MetricDefinition, watchers: ReadonlySet<Watcher>) {
  const snapshot = () => ({
    name: definition.name,
    help: definition.help,
    type: definition.type,
    aggregator: 'sum' as const,
    values: [...watchers].flatMap((watcher) => definition.values(watcher)),
  })
  return {
    name: definition.name,
    help: definition.help,
    type: definition.type,
    aggregator: 'sum' as const,
    labelNames: [] as string[],
    get: async () => snapshot(),
    reset: () => undefined,
  }
}
