import { serializeOrThrow } from '../codec/serializer.js'
import type { Entry } from '../entry.js'
import { InvalidOptionError, LoaderError } from '../errors.js'
import type { CacheEvents } from '../events.js'
import type { ResolvedCacheOptions, ResolvedWriteOptions } from '../options.js'
import type { TierStack } from '../stack.js'
import type { Fill } from '../tiers/tier.js'
import type { Flight, Flights } from './flights.js'

/** What a loader receives. */
export interface LoaderContext {
  /** The key being loaded. */
  readonly key: string
  /** Aborted when the cache closes; pass it to fetch() or your database driver. */
  readonly signal: AbortSignal
}

/** Produces the value of a key on a miss. Returning `undefined` caches nothing; `null` is cached. */
export type Loader<V> = (context: LoaderContext) => V | Promise<V>

/** What a batch loader may return: values in key order, or keyed by key. Keys left out are not cached. */
export type BatchResult<V> = readonly (V | undefined)[] | ReadonlyMap<string, V> | Readonly<Record<string, V>>

/** Produces the values of many keys at once (one database query for all misses). */
export type BatchLoader<V> = (
  keys: string[],
  context: { readonly signal: AbortSignal },
) => BatchResult<V> | Promise<BatchResult<V>>

/**
 * Runs loads: reads the tiers below the L1, calls the loader once per key (single-flight), and fills
 * every tier with the loaded value under the version taken when the load started.
 */
export class Loads {
  count = 0
  errors = 0

  constructor(
    private readonly stack: TierStack,
    private readonly flights: Flights,
    private readonly events: CacheEvents,
    private readonly options: ResolvedCacheOptions,
  ) {}

  /** Joins the running load of `key`, or starts one. */
  load<V>(key: string, loader: Loader<V>, options: ResolvedWriteOptions): Promise<V> {
    const running = this.flights.get(key)
    if (running !== undefined) {
      this.flights.joins++
      return running.promise as Promise<V>
    }
    const flight = this.flights.start(key) as Flight<V>
    void this.runFlight(flight, loader, options)
    return flight.promise
  }

  /**
   * Runs one flight to the end: read the tiers, else load. Callers get the value as soon as the loader
   * returns (it is in the memory tier already); the flight stays registered until the value is in the
   * shared tiers too, so callers arriving meanwhile join it instead of loading again. Never rejects:
   * errors go to the flight's callers.
   */
  private async runFlight<V>(
    flight: Flight<V>,
    loader: Loader<V>,
    options: ResolvedWriteOptions,
  ): Promise<void> {
    const { key } = flight
    try {
      const found = await this.stack.read([key], this.stack.slowPathStart, Date.now())
      const hit = found.hits.get(key)
      if (hit !== undefined) return flight.resolve(hit.stored.entry.value as V)
      const startVersion = await this.stack.startVersion(found.clock)
      flight.controller.signal.throwIfAborted()
      const value = await this.callLoader(key, () => loader({ key, signal: flight.controller.signal }))
      if (value === undefined) {
        // Nothing is cached, so nothing to wait for: the next caller must load again.
        this.flights.finish(flight)
        return flight.resolve(value)
      }
      const filling = this.fill([[key, value]], startVersion, options, [flight])
      flight.resolve(value)
      await filling
    } catch (error) {
      flight.reject(error)
    } finally {
      this.flights.finish(flight)
    }
  }

  /**
   * Loads the keys no tier had with one batch-loader call, except keys another caller is already
   * loading, which are awaited instead. Puts every value found into `values`.
   */
  async loadMany<V>(
    missing: readonly string[],
    batchLoader: BatchLoader<V>,
    options: ResolvedWriteOptions,
    clock: number | undefined,
    values: Map<string, unknown>,
  ): Promise<void> {
    const joined: [string, Promise<unknown>][] = []
    const flights: Flight<unknown>[] = []
    for (const key of missing) {
      const running = this.flights.get(key)
      if (running) {
        this.flights.joins++
        joined.push([key, running.promise])
      } else {
        flights.push(this.flights.start(key))
      }
    }
    if (flights.length > 0) await this.runBatch(flights, batchLoader, options, clock, values)
    for (const [key, promise] of joined) values.set(key, await promise.catch(() => undefined))
  }

  private async runBatch<V>(
    flights: Flight<unknown>[],
    batchLoader: BatchLoader<V>,
    options: ResolvedWriteOptions,
    clock: number | undefined,
    values: Map<string, unknown>,
  ): Promise<void> {
    try {
      const startVersion = await this.stack.startVersion(clock)
      const keys = flights.map((flight) => flight.key)
      const signal = (flights[0] as Flight<unknown>).controller.signal
      signal.throwIfAborted()
      const result = await this.callLoader(`${keys.length} keys`, () => batchLoader(keys, { signal }))
      const loaded = pickLoaded(keys, result)
      for (const [key, value] of loaded) values.set(key, value)
      const filling =
        loaded.length > 0 ? this.fill(loaded, startVersion, options, flights) : Promise.resolve()
      for (const flight of flights) flight.resolve(values.get(flight.key))
      // As for single loads: the caller has its values now; the flights end when the tiers hold them.
      void filling.then(() => {
        for (const flight of flights) this.flights.finish(flight)
      })
    } catch (error) {
      for (const flight of flights) {
        this.flights.finish(flight)
        flight.reject(error)
        flight.promise.catch(() => undefined)
      }
      throw error
    }
  }

  private async callLoader<T>(key: string, run: () => T | Promise<T>): Promise<T> {
    const started = performance.now()
    this.count++
    try {
      const value = await run()
      this.events.report('load', { key, durationMs: performance.now() - started, ok: true })
      return value
    } catch (error) {
      this.errors++
      this.events.report('load', { key, durationMs: performance.now() - started, ok: false, error })
      throw new LoaderError(key, error)
    }
  }

  /**
   * Writes loaded values to every tier with the version taken when the load started. A tier that has
   * since seen a delete or a newer set refuses it; this process's memory tier skips keys invalidated
   * while their load ran, and loads older than `tombstoneTtl` write nothing (their tombstones may be
   * gone). Serializes before anything is written, so an unencodable value changes nothing.
   */
  private fill(
    loaded: readonly (readonly [string, unknown])[],
    startVersion: number,
    options: ResolvedWriteOptions,
    flights: readonly Pick<Flight, 'key' | 'invalidated' | 'startedAt' | 'observedAt'>[],
  ): Promise<void> {
    const now = Date.now()
    const oldest = flights.reduce((min, flight) => Math.min(min, flight.startedAt), now)
    if (now - oldest > this.options.tombstoneTtlMs) return Promise.resolve()
    const observedAt = flights.reduce(
      (min, flight) => Math.min(min, flight.observedAt),
      Number.POSITIVE_INFINITY,
    )
    const fills: Fill[] = loaded.map(([key, value]) => ({
      key,
      entry: makeEntry(value, startVersion, options, now, this.options),
      payload: serializeOrThrow(this.options.serializer, value, key),
      versioning: 'given',
      observedAt,
    }))
    const local = fills.filter(
      (fill) => !flights.some((flight) => flight.key === fill.key && flight.invalidated),
    )
    return this.stack.track(this.stack.writeGiven(fills, now, local))
  }
}

/**
 * A new entry for `value`: fresh for the TTL (null values: the negative TTL), shortened by jitter,
 * then stale for the grace period. Tagged entries live no longer than their tags' invalidations are
 * remembered.
 */
export function makeEntry(
  value: unknown,
  version: number,
  options: ResolvedWriteOptions,
  now: number,
  cache: ResolvedCacheOptions,
): Entry {
  let ttl = value === null ? options.negativeTtlMs : options.ttlMs
  if (cache.jitter > 0) ttl = Math.floor(ttl * (1 - cache.jitter * Math.random()))
  let freshUntil = now + ttl
  let staleUntil = freshUntil + options.graceMs
  if (options.tags.length > 0) {
    staleUntil = Math.min(staleUntil, now + cache.tagTtlMs)
    freshUntil = Math.min(freshUntil, staleUntil)
  }
  return { value, version, createdAt: now, freshUntil, staleUntil, tags: options.tags, tombstone: false }
}

function pickLoaded<V>(keys: readonly string[], result: BatchResult<V>): [string, V][] {
  const loaded: [string, V][] = []
  if (Array.isArray(result)) {
    if (result.length !== keys.length) {
      throw new InvalidOptionError(
        `batch loader returned ${result.length} values for ${keys.length} keys; return one per key or a Map`,
      )
    }
    keys.forEach((key, i) => {
      if (result[i] !== undefined) loaded.push([key, result[i] as V])
    })
  } else if (result instanceof Map) {
    for (const key of keys) if (result.get(key) !== undefined) loaded.push([key, result.get(key) as V])
  } else if (result !== null && typeof result === 'object') {
    const record = result as Readonly<Record<string, V>>
    for (const key of keys)
      if (Object.hasOwn(record, key) && record[key] !== undefined) loaded.push([key, record[key] as V])
  } else {
    throw new InvalidOptionError(
      'batch loader must return an array (one value per key), a Map or an object keyed by key',
    )
  }
  return loaded
}
