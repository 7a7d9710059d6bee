import { CacheLifecycle } from './cache/lifecycle.js'
import { assembleCache, type CacheParts } from './cache/parts.js'
import { CacheReads } from './cache/reads.js'
import { type CacheStats, collectStats } from './cache/stats.js'
import { CacheTracing } from './cache/tracing.js'
import { tierKeys, warm } from './cache/warming.js'
import { CacheWrites } from './cache/writes.js'
import type { CacheEventMap, CacheEventName } from './cache-events.js'
import { isTraced, operationChannels as traced } from './channels.js'
import type { Duration } from './duration.js'
import { CacheClosedError } from './errors.js'
import type { BatchLoader } from './load/batch.js'
import type { Loader } from './load/loads.js'
import type { ScheduledWarmer, WarmOptions, WarmSource } from './load/warm.js'
import type { CacheOptions, LoadOptions, WriteOptions } from './options.js'
import type { IdleReport } from './stack/unwritten-fills.js'
import type { AuditReport } from './types/audit-report.js'
import type { WarmProgress } from './types/warm-progress.js'

export type { CacheStats, TierStats } from './cache/stats.js'
export type { BatchLoader, BatchResult } from './load/batch.js'
export type { BatchLoaderContext } from './load/loader-context.js'
export type { Loader, LoaderContext } from './load/loads.js'
export type { StaleReason } from './types/stale-reason.js'

/**
 * A multi-level cache: an ordered stack of tiers in front of your loaders. Create one with
 * {@link createCache}.
 *
 * This class is the public surface only; the work is done by one part per concern:
 * - `cache/parts.ts` builds the tiers, the stack, the synchronizer and the load machinery;
 * - `cache/reads.ts` reads (`get`, `getOrLoad`, `has`, `getMany`), starting with the L1 fast path;
 * - `cache/writes.ts` writes (`set`, `delete`, `invalidateTags`, `clear`);
 * - `cache/warming.ts`, `cache/stats.ts` and `cache/lifecycle.ts` the rest.
 */
export class TierCache {
  private readonly parts: CacheParts
  private readonly reads: CacheReads
  private readonly writes: CacheWrites
  private readonly lifecycle: CacheLifecycle
  private readonly tracing: CacheTracing

  constructor(options: CacheOptions) {
    this.parts = assembleCache(options)
    this.reads = new CacheReads(this.parts)
    this.writes = new CacheWrites(this.parts)
    this.lifecycle = new CacheLifecycle(this.parts)
    this.tracing = new CacheTracing(this.parts, this.reads, this.writes)
  }

  /** The namespace every key of this cache lives in. */
  get namespace(): string {
    return this.parts.options.namespace
  }

  /**
   * Returns the cached value of `key`, or `undefined` when no tier has it fresh. A hit in a slower
   * tier is back-filled into the faster ones.
   */
  get<V = unknown>(key: string): Promise<V | undefined> {
    if (this.lifecycle.closed) return Promise.reject(new CacheClosedError('get'))
    if (isTraced(traced.get)) return this.tracing.get<V>(key)
    return this.reads.get<V>(key)
  }

  /**
   * Returns the cached value of `key`; on a miss in every tier calls `loader` once (however many callers
   * ask at the same time), writes its result to every tier and returns it.
   *
   * @throws {LoaderError} when the loader throws (its error is the `cause`).
   * @throws {InvalidKeyError | InvalidTtlError | InvalidOptionError} for bad input, before any I/O.
   */
  getOrLoad<V>(key: string, loader: Loader<V>, options?: LoadOptions): Promise<V> {
    if (this.lifecycle.closed) return Promise.reject(new CacheClosedError('getOrLoad'))
    if (isTraced(traced.getOrLoad)) {
      return this.tracing.getOrLoad(key, loader, options)
    }
    return this.reads.getOrLoad(key, loader, options)
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
    this.lifecycle.assertOpen('getMany')
    if (isTraced(traced.getMany)) {
      return this.tracing.getMany(keys, batchLoader, options)
    }
    return this.reads.getMany(keys, batchLoader, options)
  }

  /** True when some tier holds a fresh value for `key`. Does not back-fill. */
  async has(key: string): Promise<boolean> {
    this.lifecycle.assertOpen('has')
    if (isTraced(traced.has)) return this.tracing.has(key)
    return this.reads.has(key)
  }

  /**
   * Writes `value` to every tier (write-through) under a newly issued version, so that of two
   * concurrent sets every tier ends up with the same, later one. Resolves once the shared tiers that
   * answer hold it and other processes have been told to drop their copies; a tier that is down gets it
   * replayed when it is back, before it serves reads.
   *
   * @throws {UnencodableValueError} if the serializer cannot encode `value` (nothing is written).
   */
  async set<V>(key: string, value: V, options?: WriteOptions): Promise<void> {
    this.lifecycle.assertOpen('set')
    if (isTraced(traced.set)) return this.tracing.set(key, value, options)
    return this.writes.set(key, value, options)
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
    this.lifecycle.assertOpen('delete')
    if (isTraced(traced.delete)) return this.tracing.deleteMany(keys)
    return this.writes.deleteMany(keys)
  }

  /**
   * Invalidates every entry carrying any of `tags`, in every tier and process, in O(1) per tag: the
   * coordinating Redis tier records a new version per tag, and entries older than their tags' versions
   * are misses from then on. Nothing is scanned.
   *
   * @throws {InvalidationError} when the coordinating tier cannot record the invalidation.
   */
  async invalidateTags(tags: readonly string[]): Promise<void> {
    this.lifecycle.assertOpen('invalidateTags')
    if (isTraced(traced.invalidateTags)) {
      return this.tracing.invalidateTags(tags)
    }
    return this.writes.invalidateTags(tags)
  }

  /**
   * Removes every key of this cache's namespace from every tier, here and in other processes' memory
   * (Redis: SCAN + UNLINK in batches, never KEYS or FLUSHDB; keys outside the namespace are never touched).
   */
  async clear(): Promise<void> {
    this.lifecycle.assertOpen('clear')
    if (isTraced(traced.clear)) return this.tracing.clear()
    return this.writes.clear()
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
    options: WarmOptions & { every?: Duration } = {},
  ): Promise<WarmProgress> | ScheduledWarmer {
    this.lifecycle.assertOpen('warm')
    const started = warm(this.parts, this.reads, source, loader, options)
    return started instanceof Promise ? started : this.lifecycle.adopt(started)
  }

  /**
   * Every key of this namespace held by a Redis tier (SCAN in batches; may repeat a key), e.g. to
   * warm faster tiers from it.
   */
  keys({ tier }: { tier: string }): AsyncIterable<string> {
    return tierKeys(this.parts, tier)
  }

  /** Per-tier and whole-cache figures. Cheap: reads counters, no I/O. */
  stats(): CacheStats {
    return collectStats(this.parts)
  }

  /** Checks every Redis tier's live configuration against its role (see `redisTier({ role })`). */
  async audit(): Promise<AuditReport[]> {
    this.lifecycle.assertOpen('audit')
    return this.lifecycle.audit()
  }

  /**
   * Resolves `true` once every tier is up (each Redis tier connected and in use) and memory tiers are in
   * use (every invalidation channel, bus and tracking, is up). Resolves `false` if that does not happen
   * within `timeout` (default 5 s); `stats().tiers[i].state` then says which tier is not up.
   *
   * Not needed before use: operations issued while tiers make their first connection wait for them (up
   * to each tier's `connectTimeout`).
   */
  ready({ timeout = '5s' }: { timeout?: Duration } = {}): Promise<boolean> {
    return this.lifecycle.ready(timeout)
  }

  /**
   * Resolves when background work started so far (back-fills, fills after loads) has finished: each
   * fill written, refused (a newer version was there) or given up because its tier did not answer in
   * time. Fills given up are not retried; the report lists them (see {@link IdleReport}).
   */
  idle(): Promise<IdleReport> {
    return this.parts.stack.idle()
  }

  /** Subscribes to an event; see {@link CacheEventMap}. */
  on<E extends CacheEventName>(event: E, listener: (...args: CacheEventMap[E]) => void): this {
    this.parts.events.on(event, listener as never)
    return this
  }

  /** Subscribes to the next occurrence of an event only. */
  once<E extends CacheEventName>(event: E, listener: (...args: CacheEventMap[E]) => void): this {
    this.parts.events.once(event, listener as never)
    return this
  }

  /** Removes a listener added with {@link on} or {@link once}. */
  off<E extends CacheEventName>(event: E, listener: (...args: CacheEventMap[E]) => void): this {
    this.parts.events.off(event, listener as never)
    return this
  }

  /**
   * Aborts running loaders' signals, waits for background writes, stops listening for invalidations and
   * closes the Redis clients the cache created (clients you passed in stay open). Further calls reject
   * with `CacheClosedError`.
   */
  close(): Promise<void> {
    return this.lifecycle.close()
  }

  /**
   * Closes the cache (see {@link close}) when it goes out of scope:
   * `await using cache = createCache({ … })`.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
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
