import { createRequire } from 'node:module'
import type * as PromClient from 'prom-client'
// The package's own entry: its error class, not a second copy.
import { InvalidOptionError, type TierCache } from 'tiercache'
import { type ScrapedDefinition, scrapedDefinitions } from './prometheus-definitions.js'
import { latencySummary, roundTripHistogram } from './prometheus-latency.js'
import { Watcher } from './watcher.js'

/**
 * The slice of a prom-client `Registry` the adapter uses (prom-client ≥ 14; pass `register` or your own
 * `new Registry()`). prom-client is an optional peer dependency, loaded when `prometheusMetrics` runs.
 */
export interface PrometheusRegistry {
  registerMetric(metric: never): void
  removeSingleMetric(name: string): void
}

export interface PrometheusOptions {
  registry: PrometheusRegistry
  /** Prepended to every metric name. Default `'tiercache_'`. */
  prefix?: string
  /**
   * Labels added to every series of this cache besides `cache` (the cache's namespace), e.g.
   * `{ pod: 'api-1' }`. Avoid names Prometheus sets on scrape (`instance`, `job`).
   */
  labels?: Record<string, string>
  /** Upper bounds, in seconds, of the loader-duration histogram buckets. */
  loadBuckets?: readonly number[]
  /**
   * Also report `<prefix>tier_latency_seconds`, a summary of each tier's round trips (p50, p90, p99
   * since start). Default false: `<prefix>tier_round_trip_seconds`, a histogram, is always reported.
   */
  latencySummary?: boolean
}

/** Stops reporting a cache; the metrics leave the registry with the last cache. */
export interface PrometheusMetrics {
  stop(): void
}

const DEFAULT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/
/** Labels the metrics set themselves, so not available to `labels`. */
const RESERVED_LABELS = new Set(['cache', 'tier', 'reason', 'kind', 'result', 'le', 'quantile'])

/**
 * Exposes a cache's figures as Prometheus metrics on a prom-client registry: per tier hits, misses,
 * stale hits, errors, writes, evictions, entries and round-trip latency (a histogram of the buckets the
 * cache keeps; a summary of p50, p90 and p99 with `latencySummary: true`), and per cache loads, a
 * loader-duration histogram, stale serves by reason, invalidations received, bus messages dropped and
 * whether memory tiers are in sync. Every series carries `cache="<namespace>"`. Counters are read from
 * `cache.stats()` at scrape time; the loader histogram and reasons come from the cache's events.
 * Several caches may share one registry and prefix if they use the same label names and options.
 *
 * @throws InvalidOptionError when prom-client is not installed or an option is invalid.
 * @example
 * ```ts
 * import { register } from 'prom-client'
 * const metrics = prometheusMetrics(cache, { registry: register, labels: { pod: 'api-1' } })
 * app.get('/metrics', async () => register.metrics())
 * ```
 */
export function prometheusMetrics(cache: TierCache, options: PrometheusOptions): PrometheusMetrics {
  const settings = validOptions(options)
  const prom = loadPromClient()
  const watcher = new Watcher(cache, { cache: cache.namespace, ...options.labels })
  const collector = collectorFor(prom, settings)
  collector.add(watcher)
  return {
    stop() {
      watcher.detach()
      collector.remove(watcher)
    },
  }
}

interface Settings {
  registry: PromClient.Registry
  prefix: string
  labelNames: string[]
  loadBuckets: number[]
  latencySummary: boolean
}

function validOptions(options: PrometheusOptions): Settings {
  const registry = options?.registry
  if (!registry || typeof registry.registerMetric !== 'function')
    throw new InvalidOptionError(
      'prometheusMetrics needs { registry }: a prom-client Registry (e.g. register)',
    )
  const prefix = options.prefix ?? 'tiercache_'
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(prefix))
    throw new InvalidOptionError(`prometheusMetrics prefix "${prefix}" is not a valid metric name start`)
  const labels = options.labels ?? {}
  for (const [name, value] of Object.entries(labels)) {
    if (!LABEL_NAME.test(name) || name.startsWith('__') || RESERVED_LABELS.has(name))
      throw new InvalidOptionError(
        `prometheusMetrics label "${name}" is not a valid label name or is one the metrics set (${[...RESERVED_LABELS].join(', ')})`,
      )
    if (typeof value !== 'string')
      throw new InvalidOptionError(`prometheusMetrics label "${name}" must have a string value`)
  }
  const loadBuckets = [...(options.loadBuckets ?? DEFAULT_BUCKETS)].sort((a, b) => a - b)
  if (loadBuckets.some((bound) => !Number.isFinite(bound)))
    throw new InvalidOptionError('prometheusMetrics loadBuckets must be finite numbers of seconds')
  return {
    registry: registry as PromClient.Registry,
    prefix,
    labelNames: ['cache', ...Object.keys(labels).sort()],
    loadBuckets,
    latencySummary: options.latencySummary === true,
  }
}

/** prom-client, loaded on first use so that the library loads without it. */
function loadPromClient(): typeof PromClient {
  try {
    return createRequire(import.meta.url)('prom-client') as typeof PromClient
  } catch (error) {
    if ((error as { code?: string }).code !== 'MODULE_NOT_FOUND') throw error
    throw new InvalidOptionError(
      'prometheusMetrics needs prom-client, an optional peer dependency: npm install prom-client',
    )
  }
}

interface Collector {
  add(watcher: Watcher): void
  remove(watcher: Watcher): void
}

/** One set of metrics per registry and prefix, reporting every cache attached to it. */
const collectors = new WeakMap<PrometheusRegistry, Map<string, Collector & { settings: Settings }>>()

function collectorFor(prom: typeof PromClient, settings: Settings): Collector {
  const { registry, prefix } = settings
  let byPrefix = collectors.get(registry)
  if (!byPrefix) {
    byPrefix = new Map()
    collectors.set(registry, byPrefix)
  }
  const existing = byPrefix.get(prefix)
  if (existing) {
    assertSameSettings(existing.settings, settings)
    return existing
  }
  const watchers = new Set<Watcher>()
  let metrics: Metrics | undefined
  const collector = {
    settings,
    add(watcher: Watcher) {
      metrics ??= registerOrUndo(prom, settings, watchers, () => byPrefix?.delete(prefix))
      const histogram = metrics.loadDuration
      watcher.onLoadTimed = (result, seconds) => histogram.observe({ ...watcher.labels, result }, seconds)
      watchers.add(watcher)
    },
    remove(watcher: Watcher) {
      if (!watchers.delete(watcher)) return
      for (const result of ['ok', 'error']) metrics?.loadDuration.remove({ ...watcher.labels, result })
      if (watchers.size > 0) return
      for (const name of metrics?.names ?? []) registry.removeSingleMetric(name)
      byPrefix?.delete(prefix)
    },
  }
  byPrefix.set(prefix, collector)
  return collector
}

function assertSameSettings(first: Settings, next: Settings): void {
  const same =
    first.labelNames.join() === next.labelNames.join() &&
    first.loadBuckets.join() === next.loadBuckets.join() &&
    first.latencySummary === next.latencySummary
  if (!same)
    throw new InvalidOptionError(
      `prometheusMetrics: caches sharing a registry and prefix "${next.prefix}" need the same label names, loadBuckets and latencySummary (labels ${first.labelNames.join(', ')}; got ${next.labelNames.join(', ')})`,
    )
}

interface Metrics {
  /** The names registered, to remove them (the registry renames counters in place for OpenMetrics). */
  names: string[]
  loadDuration: PromClient.Histogram
}

/** Registers the metrics, or none of them: a name already taken in the registry leaves it as it was. */
function registerOrUndo(
  prom: typeof PromClient,
  settings: Settings,
  watchers: ReadonlySet<Watcher>,
  forget: () => void,
): Metrics {
  const names: string[] = []
  try {
    return registerMetrics(prom, settings, watchers, names)
  } catch (error) {
    for (const name of names) settings.registry.removeSingleMetric(name)
    forget()
    throw new InvalidOptionError(
      `prometheusMetrics could not register its metrics with prefix "${settings.prefix}": ${(error as Error).message}`,
    )
  }
}

/** Registers every metric, adding each name to `names` once registered. */
function registerMetrics(
  prom: typeof PromClient,
  settings: Settings,
  watchers: ReadonlySet<Watcher>,
  names: string[],
): Metrics {
  const { registry, prefix, labelNames } = settings
  const registers = [registry]
  for (const definition of scrapedDefinitions(prefix)) {
    scrapedMetric(prom, definition, [...labelNames, ...definition.labelNames], registers, watchers)
    names.push(definition.name)
  }
  const latency = { labelNames: [...labelNames, 'tier'], registry, watchers }
  roundTripHistogram(prom, { ...latency, name: `${prefix}tier_round_trip_seconds` })
  names.push(`${prefix}tier_round_trip_seconds`)
  if (settings.latencySummary) {
    latencySummary(prom, { ...latency, name: `${prefix}tier_latency_seconds` })
    names.push(`${prefix}tier_latency_seconds`)
  }
  const loadDurationName = `${prefix}load_duration_seconds`
  const loadDuration = new prom.Histogram({
    name: loadDurationName,
    help: 'How long loader calls took, by result.',
    labelNames: [...labelNames, 'result'],
    buckets: settings.loadBuckets,
    registers,
  })
  names.push(loadDurationName)
  return { names, loadDuration }
}

/** A counter or gauge whose values are read from the caches' `stats()` at every scrape. */
function scrapedMetric(
  prom: typeof PromClient,
  definition: ScrapedDefinition,
  labelNames: string[],
  registers: PromClient.Registry[],
  watchers: ReadonlySet<Watcher>,
): void {
  const { name, help, values } = definition
  if (definition.type === 'counter') {
    new prom.Counter({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset()
        for (const watcher of watchers) for (const v of values(watcher)) this.inc(v.labels, v.value)
      },
    })
    return
  }
  new prom.Gauge({
    name,
    help,
    labelNames,
    registers,
    collect() {
      this.reset()
      for (const watcher of watchers) for (const v of values(watcher)) this.set(v.labels, v.value)
    },
  })
}
