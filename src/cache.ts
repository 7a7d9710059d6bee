import { serializeOrThrow } from './codec/serializer.js'
import { type Entry, NO_TAGS } from './entry.js'
import { CacheClosedError, InvalidOptionError, LoaderError } from './errors.js'
import { type CacheEventMap, type CacheEventName, CacheEvents } from './events.js'
import { assertValidKey, assertValidKeys } from './keys.js'
import type { Flight } from './load/flights.js'
import { Flights } from './load/flights.js'
import type { TierCountersSnapshot } from './metrics/tier-counters.js'
import {
  type CacheOptions,
  type ResolvedCacheOptions,
  type ResolvedWriteOptions,
  resolveCacheOptions,
  type WriteOptions,
  WriteOptionsResolver,
} from './options.js'
import { TierStack } from './stack.js'
import type { Fill, Tier, TierContext, TierDefinition } from './tiers/tier.js'
import { type AuditReport, auditTierSizes } from './topology/audit.js'

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

/** Figures for one tier, from {@link TierCache.stats}. */
export interface TierStats extends TierCountersSnapshot {
  readonly name: string
  readonly kind: 'memory' | 'redis'
  /** Entries and bytes held (memory tiers). */
  readonly entries?: number
  readonly bytes?: number
}

/** Figures for the whole cache, from {@link TierCache.stats}. */
export interface CacheStats {
  readonly namespace: string
  readonly tiers: readonly TierStats[]
  /** Loader calls (batch loader calls count once). */
  readonly loads: number
  readonly loadErrors: number
  /** Callers that shared another caller's load instead of starting their own. */
  readonly singleFlightJoins: number
  /** Loads running now. */
  readonly inFlight: number
}

/**
 * A multi-level cache: an ordered stack of tiers in front of your loaders. Create one with
 * {@link createCache}.
 */
export class TierCache {
  private readonly options: ResolvedCacheOptions
  private readonly writeOptions: WriteOptionsResolver
  private readonly stack: TierStack
  private readonly tiers: readonly Tier[]
  private readonly l1: Tier | undefined
  private readonly flights = new Flights()
  private readonly events = new CacheEvents()
  private closed = false
  private loads = 0
  private loadErrors = 0

  constructor(options: CacheOptions) {
    const definitions = validateTierDefinitions(options)
    this.options = resolveCacheOptions(options, definitions)
    this.writeOptions = new WriteOptionsResolver(this.options)
    const context: TierContext = {
      namespace: this.options.namespace,
      serializer: this.options.serializer,
      serializers: this.options.serializers,
      events: this.events,
      maxKeyBytes: this.options.maxKeyBytes,
    }
    this.tiers = definitions.map((definition) => definition.create(context))
    this.stack = new TierStack(this.tiers, this.options.coordinator)
    this.l1 = this.stack.l1
  }

  /** The namespace every key of this cache lives in. */
  get namespace(): string {
    return this.options.namespace
  }

  /**
   * Returns the cached value of `key`, or `undefined` when no tier has it fresh. A hit in a slower
   * tier is back-filled into the faster ones.
   */
  get<V = unknown>(key: string): Promise<V | undefined> {
    if (this.closed) return Promise.reject(new CacheClosedError('get'))
    try {
      assertValidKey(key, this.options.maxKeyBytes)
    } catch (error) {
      return Promise.reject(error)
    }
    if (this.l1 !== undefined) {
      const now = Date.now()
      const entry = this.l1.readSync?.(key, now)
      if (entry !== undefined && now < entry.freshUntil) return Promise.resolve(entry.value as V)
    }
    return this.stack
      .read([key], this.stack.slowPathStart, Date.now())
      .then(({ hits }) => hits.get(key)?.stored.entry.value as V | undefined)
  }

  /**
   * Returns the cached value of `key`; on a miss in every tier calls `loader` once (however many callers
   * ask at the same time), writes its result to every tier and returns it.
   *
   * @throws {LoaderError} when the loader throws (its error is the `cause`).
   * @throws {InvalidKeyError | InvalidTtlError | InvalidOptionError} for bad input, before any I/O.
   */
  getOrLoad<V>(key: string, loader: Loader<V>, options?: WriteOptions): Promise<V> {
    if (this.closed) return Promise.reject(new CacheClosedError('getOrLoad'))
    let resolved: ResolvedWriteOptions
    try {
      assertValidKey(key, this.options.maxKeyBytes)
      if (typeof loader !== 'function')
        throw new InvalidOptionError(`getOrLoad needs a loader function; got ${typeof loader}`)
      resolved = this.writeOptions.resolve(options)
    } catch (error) {
      return Promise.reject(error)
    }
    // The L1 fast path: a synchronous memory read, no option parsing beyond the above, no I/O.
    if (this.l1 !== undefined) {
      const now = Date.now()
      const entry = this.l1.readSync?.(key, now)
      if (entry !== undefined && now < entry.freshUntil) return Promise.resolve(entry.value as V)
    }
    const running = this.flights.get(key)
    if (running !== undefined) {
      this.flights.joins++
      return running.promise as Promise<V>
    }
    const flight = this.flights.start(key) as Flight<V>
    void this.loadOne(flight, loader, resolved)
    return flight.promise
  }

  /**
   * Runs one flight to the end: read the tiers, else load. Callers get the value as soon as the loader
   * returns; the flight stays registered until the value is in the tiers (so callers arriving meanwhile
   * join it instead of loading again). Never rejects: errors go to the flight's callers.
   */
  private async loadOne<V>(
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
      const filling = this.fillLoaded([[key, value]], startVersion, options, [flight])
      flight.resolve(value)
      await filling
    } catch (error) {
      flight.reject(error)
    } finally {
      this.flights.finish(flight)
    }
  }

  private async callLoader<T>(key: string, run: () => T | Promise<T>): Promise<T> {
    const started = performance.now()
    this.loads++
    try {
      const value = await run()
      this.events.report('load', { key, durationMs: performance.now() - started, ok: true })
      return value
    } catch (error) {
      this.loadErrors++
      this.events.report('load', { key, durationMs: performance.now() - started, ok: false, error })
      throw new LoaderError(key, error)
    }
  }

  /**
   * Writes loaded values to every tier with the version taken when the load started. A tier that has
   * since seen a delete or a newer set refuses it; this process's memory tier also skips keys that
   * were invalidated while their load ran, and loads older than `tombstoneTtl` write nothing.
   */
  private fillLoaded(
    loaded: readonly (readonly [string, unknown])[],
    startVersion: number,
    options: ResolvedWriteOptions,
    flights: readonly Pick<Flight, 'key' | 'invalidated' | 'startedAt'>[],
  ): Promise<void> {
    const now = Date.now()
    const oldest = flights.reduce((min, flight) => Math.min(min, flight.startedAt), now)
    if (now - oldest > this.options.tombstoneTtlMs) return Promise.resolve()
    const fills: Fill[] = loaded.map(([key, value]) => ({
      key,
      entry: this.makeEntry(value, startVersion, options, now),
      payload: serializeOrThrow(this.options.serializer, value, key),
      versioning: 'given',
    }))
    const local = fills.filter(
      (fill) => !flights.some((flight) => flight.key === fill.key && flight.invalidated),
    )
    return this.stack.track(this.stack.writeGiven(fills, now, local))
  }

  /**
   * Returns the values of `keys` in order (`undefined` where none is cached). Each Redis tier is asked
   * once for all keys still missing; `batchLoader`, if given, is called once with exactly the keys no
   * tier had (minus keys another caller is already loading, which are awaited instead).
   */
  async getMany<V = unknown>(
    keys: readonly string[],
    batchLoader?: BatchLoader<V>,
    options?: WriteOptions,
  ): Promise<(V | undefined)[]> {
    this.assertOpen('getMany')
    assertValidKeys(keys, this.options.maxKeyBytes)
    if (batchLoader !== undefined && typeof batchLoader !== 'function') {
      throw new InvalidOptionError(`getMany batchLoader must be a function; got ${typeof batchLoader}`)
    }
    const resolved = this.writeOptions.resolve(options)
    const unique = [...new Set(keys)]
    const values = new Map<string, unknown>()
    const found = await this.stack.read(unique, 0, Date.now())
    for (const [key, hit] of found.hits) values.set(key, hit.stored.entry.value)
    if (batchLoader !== undefined && found.missing.length > 0) {
      await this.loadMany(found.missing, batchLoader, resolved, found.clock, values)
    }
    return keys.map((key) => values.get(key) as V | undefined)
  }

  private async loadMany<V>(
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
    try {
      if (flights.length > 0) {
        const startVersion = await this.stack.startVersion(clock)
        const toLoad = flights.map((flight) => flight.key)
        const signal = flights[0]?.controller.signal as AbortSignal
        signal.throwIfAborted()
        const result = await this.callLoader(`${toLoad.length} keys`, () => batchLoader(toLoad, { signal }))
        const loaded = pickLoaded(toLoad, result)
        for (const [key, value] of loaded) values.set(key, value)
        const filling =
          loaded.length > 0 ? this.fillLoaded(loaded, startVersion, options, flights) : Promise.resolve()
        for (const flight of flights) flight.resolve(values.get(flight.key))
        // As for getOrLoad: the caller has its values now; the flights end when the tiers hold them.
        void filling.then(() => {
          for (const flight of flights) this.flights.finish(flight)
        })
      }
    } catch (error) {
      for (const flight of flights) {
        this.flights.finish(flight)
        flight.reject(error)
        flight.promise.catch(() => undefined)
      }
      throw error
    }
    for (const [key, promise] of joined) values.set(key, await promise.catch(() => undefined))
  }

  /**
   * Writes `value` to every tier (write-through) under a newly issued version, so that of two
   * concurrent sets every tier ends up with the same, later one. Resolves once the shared tiers hold it.
   *
   * @throws {UnencodableValueError} if the serializer cannot encode `value` (nothing is written).
   */
  async set<V>(key: string, value: V, options?: WriteOptions): Promise<void> {
    this.assertOpen('set')
    assertValidKey(key, this.options.maxKeyBytes)
    if (value === undefined)
      throw new InvalidOptionError('cannot set undefined; use delete() to remove a key')
    const resolved = this.writeOptions.resolve(options)
    const payload = serializeOrThrow(this.options.serializer, value, key)
    const now = Date.now()
    this.flights.invalidate(key)
    await this.stack.writeIssued(
      [{ key, entry: this.makeEntry(value, 0, resolved, now), payload, versioning: 'issue' }],
      now,
    )
  }

  /** Removes `key` from every tier. Resolves once the shared tiers no longer hold it. */
  delete(key: string): Promise<void> {
    return this.deleteMany([key])
  }

  /**
   * Removes keys from every tier. Each Redis tier keeps a short-lived tombstone (see `tombstoneTtl`)
   * so that a load which started before the delete cannot write its older value back afterwards.
   */
  async deleteMany(keys: readonly string[]): Promise<void> {
    this.assertOpen('delete')
    assertValidKeys(keys, this.options.maxKeyBytes)
    const now = Date.now()
    const tombstone: Entry = {
      value: undefined,
      version: 0,
      createdAt: now,
      freshUntil: now,
      staleUntil: now + this.options.tombstoneTtlMs,
      tags: NO_TAGS,
      tombstone: true,
    }
    const unique = [...new Set(keys)]
    for (const key of unique) this.flights.invalidate(key)
    await this.stack.writeIssued(
      unique.map((key) => ({ key, entry: tombstone, payload: undefined, versioning: 'issue' })),
      now,
    )
  }

  /** True when some tier holds a fresh value for `key`. Does not back-fill. */
  async has(key: string): Promise<boolean> {
    this.assertOpen('has')
    assertValidKey(key, this.options.maxKeyBytes)
    const now = Date.now()
    const entry = this.l1?.readSync?.(key, now)
    if (entry !== undefined && now < entry.freshUntil) return true
    const { hits } = await this.stack.read([key], this.stack.slowPathStart, now)
    return hits.has(key)
  }

  /**
   * Removes every key of this cache's namespace from every tier (Redis: SCAN + UNLINK in batches, never
   * KEYS or FLUSHDB; keys outside the namespace are never touched).
   */
  async clear(): Promise<void> {
    this.assertOpen('clear')
    await Promise.all(this.tiers.map((tier) => tier.clear()))
  }

  /** Per-tier and whole-cache figures. Cheap: reads counters, no I/O. */
  stats(): CacheStats {
    return {
      namespace: this.options.namespace,
      tiers: this.tiers.map((tier) => {
        const sized = tier as Tier & { size?: number; bytes?: number }
        return {
          name: tier.name,
          kind: tier.kind,
          ...tier.counters.snapshot(),
          ...(sized.size !== undefined ? { entries: sized.size, bytes: sized.bytes } : {}),
        }
      }),
      loads: this.loads,
      loadErrors: this.loadErrors,
      singleFlightJoins: this.flights.joins,
      inFlight: this.flights.size,
    }
  }

  /** Checks every Redis tier's live configuration against its role (see `redisTier({ role })`). */
  async audit(): Promise<AuditReport[]> {
    this.assertOpen('audit')
    const audited = this.tiers.filter(
      (tier): tier is Tier & { audit(): Promise<AuditReport> } =>
        typeof (tier as { audit?: unknown }).audit === 'function',
    )
    return auditTierSizes(await Promise.all(audited.map((tier) => tier.audit())))
  }

  /** Resolves when background work started so far (back-fills) has finished. */
  idle(): Promise<void> {
    return this.stack.idle()
  }

  /** Subscribes to an event; see {@link CacheEventMap}. */
  on<E extends CacheEventName>(event: E, listener: (...args: CacheEventMap[E]) => void): this {
    this.events.on(event, listener as never)
    return this
  }

  off<E extends CacheEventName>(event: E, listener: (...args: CacheEventMap[E]) => void): this {
    this.events.off(event, listener as never)
    return this
  }

  /**
   * Aborts running loaders' signals, waits for background writes, and closes the Redis clients the
   * cache created (clients you passed in stay open). Further calls reject with `CacheClosedError`.
   */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.flights.abortAll(new CacheClosedError('load'))
    await this.stack.idle()
    await Promise.all(this.tiers.map((tier) => tier.close()))
  }

  private makeEntry(value: unknown, version: number, options: ResolvedWriteOptions, now: number): Entry {
    let ttl = value === null ? options.negativeTtlMs : options.ttlMs
    if (this.options.jitter > 0) ttl = Math.floor(ttl * (1 - this.options.jitter * Math.random()))
    const freshUntil = now + ttl
    return {
      value,
      version,
      createdAt: now,
      freshUntil,
      staleUntil: freshUntil + options.graceMs,
      tags: options.tags,
      tombstone: false,
    }
  }

  private assertOpen(operation: string): void {
    if (this.closed) throw new CacheClosedError(operation)
  }
}

/**
 * Creates a cache over an ordered stack of tiers.
 *
 * @example
 * ```ts
 * const cache = createCache({
 *   namespace: 'shop',
 *   tiers: [
 *     memoryTier({ maxEntries: 10_000, ttl: '30s' }),
 *     redisTier({ name: 'hot', url: 'redis://127.0.0.1:6379', ttl: '30m', role: 'hot' }),
 *   ],
 * })
 * const product = await cache.getOrLoad(`product:${id}`, () => db.product(id))
 * ```
 */
export function createCache(options: CacheOptions): TierCache {
  return new TierCache(options)
}

function validateTierDefinitions(options: CacheOptions): readonly TierDefinition[] {
  if (options === null || typeof options !== 'object')
    throw new InvalidOptionError('createCache needs an options object')
  const { tiers } = options
  if (!Array.isArray(tiers) || tiers.length === 0) {
    throw new InvalidOptionError(
      'createCache needs a non-empty tiers array, e.g. [memoryTier(), redisTier({ url })]',
    )
  }
  const names = new Set<string>()
  for (const tier of tiers as unknown[]) {
    const definition = tier as Partial<TierDefinition>
    if (typeof definition?.create !== 'function' || typeof definition.name !== 'string') {
      throw new InvalidOptionError('every tier must come from memoryTier() or redisTier()')
    }
    if (names.has(definition.name))
      throw new InvalidOptionError(`two tiers are named "${definition.name}"; give each a unique name`)
    names.add(definition.name)
  }
  return tiers
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
