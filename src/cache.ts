import { serializeOrThrow } from './codec/serializer.js'
import { type Duration, toMilliseconds } from './duration.js'
import { type Entry, NO_TAGS } from './entry.js'
import { CacheClosedError, InvalidationError, InvalidOptionError } from './errors.js'
import { type CacheEventMap, type CacheEventName, CacheEvents } from './events.js'
import { assertValidKey, assertValidKeys, assertValidTags } from './keys.js'
import { type BatchLoader, loadMany } from './load/batch.js'
import { dueForRefresh, makeEntry } from './load/entries.js'
import { Flights } from './load/flights.js'
import { Leases } from './load/leases.js'
import { type Loader, Loads } from './load/loads.js'
import {
  type ScheduledWarmer,
  scheduleWarm,
  type WarmOptions,
  type WarmProgress,
  type WarmSource,
  warmOnce,
} from './load/warm.js'
import type { TierCountersSnapshot } from './metrics/tier-counters.js'
import {
  type CacheOptions,
  type LoadOptions,
  type ResolvedCacheOptions,
  resolveCacheOptions,
  type WriteOptions,
  WriteOptionsResolver,
} from './options.js'
import { TierStack } from './stack.js'
import { type SyncCoordinator, Synchronizer } from './sync/synchronizer.js'
import type { TierHealth } from './tiers/redis-tier.js'
import type { Fill, Tier, TierContext, TierDefinition } from './tiers/tier.js'
import { type AuditReport, auditTierSizes } from './topology/audit.js'

export type { BatchLoader, BatchResult } from './load/batch.js'
export type { Loader, LoaderContext, StaleReason } from './load/loads.js'

/** Figures for one tier, from {@link TierCache.stats}. */
export interface TierStats extends TierCountersSnapshot {
  readonly name: string
  readonly kind: 'memory' | 'redis'
  /** Redis tiers: 'down' while disconnected, else the circuit breaker's state ('closed' is healthy). */
  readonly state?: TierHealth
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
  /** Loads abandoned at their hard timeout. */
  readonly loadTimeouts: number
  /** Reads answered with a stale value (stale-while-revalidate, fail-safe, soft timeout, back-off). */
  readonly staleServed: number
  /** Background refreshes started (stale-while-revalidate, refresh-ahead). */
  readonly refreshes: number
  /** Loads that waited for another process holding the key's lease instead of calling the loader. */
  readonly leaseWaits: number
  /** Whether memory tiers are in use: false while an invalidation channel is down (they are bypassed). */
  readonly synced: boolean
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
  private readonly loads: Loads
  private readonly sync: Synchronizer
  private closed = false
  private readonly warmers = new Set<ScheduledWarmer>()

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
    this.stack = new TierStack(this.tiers, this.options.coordinator, (entries) =>
      this.sync.tags.validate(entries),
    )
    this.l1 = this.stack.l1
    this.sync = new Synchronizer(
      this.tiers,
      this.stack.coordinator as SyncCoordinator | undefined,
      this.flights,
      this.events,
      this.options.tombstoneTtlMs,
      this.options.sync,
    )
    const { lease } = this.options.load
    const coordinator = this.stack.coordinator
    const leases =
      lease && coordinator
        ? new Leases(coordinator, lease.ttlMs, lease.pollIntervalMs, (keys) => this.sync.announceFilled(keys))
        : undefined
    this.sync.onFilled = (keys) => leases?.filled(keys)
    this.loads = new Loads(this.stack, this.flights, this.events, this.options, leases)
    this.sync.start()
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
    const entry = this.l1Hit(key)
    if (entry !== undefined) return Promise.resolve(entry.value as V)
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
  getOrLoad<V>(key: string, loader: Loader<V>, options?: LoadOptions): Promise<V> {
    if (this.closed) return Promise.reject(new CacheClosedError('getOrLoad'))
    let resolved: ReturnType<WriteOptionsResolver['resolve']>
    try {
      assertValidKey(key, this.options.maxKeyBytes)
      if (typeof loader !== 'function')
        throw new InvalidOptionError(`getOrLoad needs a loader function; got ${typeof loader}`)
      resolved = this.writeOptions.resolve(options)
    } catch (error) {
      return Promise.reject(error)
    }
    // The L1 fast path: a synchronous memory read, no promise until the end, no I/O.
    let l1Stale: Entry | undefined
    if (this.l1 !== undefined) {
      const now = Date.now()
      const entry = this.l1.readSync?.(key, now)
      if (entry !== undefined && (entry.tags.length === 0 || this.sync.tags.validSync(entry))) {
        if (now < entry.freshUntil) {
          if (resolved.refreshAhead > 0 && dueForRefresh(entry, now, resolved.refreshAhead)) {
            this.loads.refreshAhead(key, loader, resolved, entry.value as V)
          }
          return Promise.resolve(entry.value as V)
        }
        l1Stale = entry
      }
    }
    return this.loads.load(key, loader, resolved, l1Stale)
  }

  /**
   * The L1 fast path: a synchronous memory read — no promise, no option parsing, no I/O. Tagged entries
   * are checked against tag versions held in memory (kept current by the bus).
   */
  private l1Hit(key: string): Entry | undefined {
    if (this.l1 === undefined) return undefined
    const now = Date.now()
    const entry = this.l1.readSync?.(key, now)
    if (entry === undefined || now >= entry.freshUntil) return undefined
    if (entry.tags.length > 0 && !this.sync.tags.validSync(entry)) return undefined
    return entry
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
    const values = await this.readMany(keys, 0, batchLoader, this.writeOptions.resolve(options))
    return keys.map((key) => values.get(key) as V | undefined)
  }

  /**
   * Reads keys through the tiers from `from` on (back-filling hits into every tier above), then loads
   * what no tier had with `batchLoader`, if given.
   */
  private async readMany<V>(
    keys: readonly string[],
    from: number,
    batchLoader: BatchLoader<V> | undefined,
    resolved: ReturnType<WriteOptionsResolver['resolve']>,
  ): Promise<Map<string, unknown>> {
    const values = new Map<string, unknown>()
    const found = await this.stack.read([...new Set(keys)], from, Date.now())
    for (const [key, hit] of found.hits) values.set(key, hit.stored.entry.value)
    if (batchLoader !== undefined && found.missing.length > 0) {
      const context = {
        stack: this.stack,
        flights: this.flights,
        events: this.events,
        options: this.options,
        counters: this.loads.loaderCounters,
      }
      await loadMany(context, found.missing, batchLoader, resolved, values)
    }
    return values
  }

  /**
   * Writes `value` to every tier (write-through) under a newly issued version, so that of two
   * concurrent sets every tier ends up with the same, later one. Resolves once the shared tiers hold it
   * and other processes have been told to drop their copies.
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
    const entry = makeEntry(value, 0, resolved, now, this.options)
    await this.writeEverywhere([{ key, entry, payload, versioning: 'issue', durable: true }], now)
  }

  /** Removes `key` from every tier, in every process. */
  delete(key: string): Promise<void> {
    return this.deleteMany([key])
  }

  /**
   * Removes keys from every tier and tells other processes to drop their copies. Redis tiers keep a
   * short-lived tombstone (see `tombstoneTtl`) so that a load which started before the delete cannot
   * write its older value back afterwards. Resolves once the shared tiers no longer hold the keys.
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
    await this.writeEverywhere(
      unique.map((key) => ({
        key,
        entry: tombstone,
        payload: undefined,
        versioning: 'issue',
        durable: true,
      })),
      now,
    )
  }

  private async writeEverywhere(fills: readonly Fill[], now: number): Promise<void> {
    const issued = await this.stack.writeIssued(fills, now)
    await this.sync.keysWritten(issued)
  }

  /**
   * Invalidates every entry carrying any of `tags`, in every tier and process, in O(1) per tag: the
   * coordinating Redis tier records a new version per tag, and entries older than their tags' versions
   * are misses from then on. Nothing is scanned.
   *
   * @throws {InvalidationError} when the coordinating tier cannot record the invalidation.
   */
  async invalidateTags(tags: readonly string[]): Promise<void> {
    this.assertOpen('invalidateTags')
    assertValidTags(tags, this.options.maxKeyBytes)
    const unique = [...new Set(tags)]
    if (unique.length === 0) return
    const coordinator = this.stack.coordinator
    let version: number | undefined
    if (coordinator) {
      version = await coordinator.invalidateTags(unique, this.options.tagTtlMs)
      if (version === undefined) {
        throw new InvalidationError(
          `tier "${coordinator.name}" could not record the invalidation of tags ${unique.join(', ')}`,
        )
      }
      this.stack.clock.observe(version)
    } else {
      version = this.stack.clock.next()
    }
    await this.sync.tagsInvalidated(unique, version)
  }

  /**
   * Warms the cache: reads `source`'s keys through the cache in batches (`getMany`), so keys a slower
   * tier has are copied into the faster ones and keys no tier has go to `loader`, if given. With
   * `every`, repeats until the returned warmer is stopped or the cache closes.
   *
   * @example
   * ```ts
   * await cache.warm(cache.keys({ tier: 'warm' }))                       // refill hot from warm after a restart
   * await cache.warm(topProductIds(), (ids) => db.products(ids), { onProgress: console.log })
   * const nightly = cache.warm(() => activeUsers(), loadFeeds, { every: '5m' })
   * ```
   */
  warm<V>(
    source: WarmSource,
    loader?: BatchLoader<V>,
    options?: WarmOptions & { every?: undefined },
  ): Promise<WarmProgress>
  warm<V>(
    source: WarmSource,
    loader: BatchLoader<V> | undefined,
    options: WarmOptions & { every: Duration },
  ): ScheduledWarmer
  warm<V>(
    source: WarmSource,
    loader?: BatchLoader<V>,
    options: WarmOptions = {},
  ): Promise<WarmProgress> | ScheduledWarmer {
    this.assertOpen('warm')
    if (loader !== undefined && typeof loader !== 'function')
      throw new InvalidOptionError('warm loader must be a batch loader function')
    // Reads start below the memory tier: a key this process still holds must still be copied into a
    // restarted hot tier.
    const read = <T>(
      keys: readonly string[],
      batchLoader: BatchLoader<T> | undefined,
      writeOptions: WriteOptions,
    ) => {
      assertValidKeys(keys, this.options.maxKeyBytes)
      return this.readMany(
        keys,
        this.stack.slowPathStart,
        batchLoader,
        this.writeOptions.resolve(writeOptions),
      )
    }
    const run = () => warmOnce(read, source, loader, options, this.events)
    if (options.every === undefined) return run()
    const warmer = scheduleWarm(run, options.every, (error) =>
      this.events.report('tierError', { tier: 'warm', operation: 'warm', error }),
    )
    this.warmers.add(warmer)
    return warmer
  }

  /**
   * Every key of this namespace held by a Redis tier (SCAN in batches; may repeat a key), e.g. to
   * warm faster tiers from it.
   */
  keys({ tier }: { tier: string }): AsyncIterable<string> {
    const source = this.tiers.find((candidate) => candidate.name === tier) as
      | (Tier & { keys?: () => AsyncIterable<string> })
      | undefined
    if (!source?.keys)
      throw new InvalidOptionError(`keys() needs the name of a Redis tier of this cache; got "${tier}"`)
    return source.keys()
  }

  /** True when some tier holds a fresh value for `key`. Does not back-fill. */
  async has(key: string): Promise<boolean> {
    this.assertOpen('has')
    assertValidKey(key, this.options.maxKeyBytes)
    if (this.l1Hit(key) !== undefined) return true
    const { hits } = await this.stack.read([key], this.stack.slowPathStart, Date.now())
    return hits.has(key)
  }

  /**
   * Removes every key of this cache's namespace from every tier, here and in other processes' memory
   * (Redis: SCAN + UNLINK in batches, never KEYS or FLUSHDB; keys outside the namespace are never touched).
   */
  async clear(): Promise<void> {
    this.assertOpen('clear')
    await Promise.all(this.tiers.map((tier) => tier.clear()))
    await this.sync.cleared()
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
          ...(tier.health !== undefined ? { state: tier.health } : {}),
          ...(sized.size !== undefined ? { entries: sized.size, bytes: sized.bytes } : {}),
        }
      }),
      loads: this.loads.loaderCounters.calls,
      loadErrors: this.loads.loaderCounters.errors,
      singleFlightJoins: this.flights.joins,
      inFlight: this.flights.size,
      loadTimeouts: this.loads.loaderCounters.timeouts,
      staleServed: this.loads.staleServed,
      refreshes: this.loads.refreshes,
      leaseWaits: this.loads.leaseWaits,
      synced: this.sync.healthy,
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

  /**
   * Resolves `true` once memory tiers are in use, i.e. every invalidation channel (bus, tracking) is up;
   * until then reads bypass memory tiers, which is always correct, only slower. Resolves `false` if that
   * does not happen within `timeout` (default 5 s).
   */
  ready({ timeout = '5s' }: { timeout?: Duration } = {}): Promise<boolean> {
    if (this.sync.healthy) return Promise.resolve(true)
    const timeoutMs = toMilliseconds(timeout, 'ready timeout')
    return new Promise((resolve) => {
      const done = (healthy: boolean) => {
        clearTimeout(timer)
        this.events.off('syncState', listener)
        resolve(healthy)
      }
      const listener = ({ healthy }: { healthy: boolean }) => {
        if (healthy) done(true)
      }
      const timer = setTimeout(() => done(this.sync.healthy), timeoutMs)
      this.events.on('syncState', listener)
    })
  }

  /** Resolves when background work started so far (back-fills, fills after loads) has finished. */
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
   * Aborts running loaders' signals, waits for background writes, stops listening for invalidations and
   * closes the Redis clients the cache created (clients you passed in stay open). Further calls reject
   * with `CacheClosedError`.
   */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const warmer of this.warmers) warmer.stop()
    this.flights.abortAll(new CacheClosedError('load'))
    await this.stack.idle()
    await this.sync.close()
    await Promise.all(this.tiers.map((tier) => tier.close()))
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
