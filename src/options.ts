import { type Clock, systemClock } from './clock.js'
import { DEFAULT_MAX_VALUE_BYTES } from './codec/entry-codec.js'
import { builtInSerializers, jsonSerializer, type Serializer, v8Serializer } from './codec/serializer.js'
import {
  type Duration,
  MAX_TIMER_MS,
  optionalMilliseconds,
  optionalTimerMilliseconds,
  optionalTtlMilliseconds,
  toMilliseconds,
  toTimerMilliseconds,
  toTtlMilliseconds,
} from './duration.js'
import { InvalidOptionError } from './errors.js'
import { checkLogger, type Logger } from './health-log.js'
import { assertValidNamespace, assertValidTags, DEFAULT_MAX_KEY_BYTES, DEFAULT_MAX_TAGS } from './keys.js'
import { resolveBusOptions } from './sync/bus-options.js'
import type { SyncOptions } from './sync/synchronizer.js'
import { parseByteSize } from './tiers/memory/memory-tier.js'
import type { TierDefinition } from './tiers/tier.js'

/** Options of {@link createCache}. */
export interface CacheOptions {
  /** The stack, fastest first: e.g. `[memoryTier(), redisTier({ name: 'hot' }), redisTier({ name: 'warm' })]`. */
  tiers: readonly TierDefinition[]
  /** Scopes every key; `clear()` removes only this namespace. 1-64 of `A-Za-z0-9_.-`. Default `'tc'`. */
  namespace?: string
  /**
   * How long a loaded or set value is fresh: more than 0, at most 10 years. Default: the longest TTL
   * among the Redis tiers (memory-tier TTLs only cap the local copy); 1 hour when none has one; for a
   * memory-only cache, its TTL or 1 hour.
   */
  ttl?: Duration
  /** How long `null` values are fresh (more than 0, at most 10 years). Default: `ttl`. */
  negativeTtl?: Duration
  /** How long past its fresh period an entry may still be served stale (grace). Default 0. */
  grace?: Duration
  /** Shortens each entry's TTL by a random fraction up to this (0-1), so keys filled together expire apart. Default 0. */
  jitter?: number
  /** Encodes values for Redis tiers (and for memory-tier copies). `'v8'` (default), `'json'` or your own. */
  serializer?: 'v8' | 'json' | Serializer
  /** Longest key (and tag) in UTF-8 bytes. Default 1024. */
  maxKeyBytes?: number
  /** Most tags one entry may carry (1-65535); more is an `InvalidOptionError`. Default 64. */
  maxTags?: number
  /**
   * Largest serialized value (before compression) the cache writes or reads back, as a number or a
   * string like `'16mb'`. A larger value is refused with `UnencodableValueError`; bytes read from a
   * Redis tier that are (or would inflate to) more are a counted decode error, i.e. a miss. Default `'16mb'`.
   */
  maxValueBytes?: number | string
  /**
   * How long a deletion is remembered in Redis tiers, so a load that started before the delete cannot
   * write its older value afterwards. Loads running longer than this do not fill any tier. Default `'30s'`.
   */
  tombstoneTtl?: Duration
  /** The Redis tier that issues versions, holds tag versions and carries the invalidation bus. Default: the first Redis tier. */
  coordinator?: string
  /** How memory tiers hear about other processes' writes: the pub/sub bus (default on) and/or Redis client tracking. */
  sync?: SyncOptions
  /** Load protection: stale-while-revalidate, fail-safe, timeouts, refresh-ahead, cluster-wide leases. */
  load?: LoadProtectionOptions
  /**
   * How long a tag invalidation is remembered. Entries carrying tags live at most this long, so no
   * entry can outlive the record that invalidates it. Default: the longest of 24 h, twice ttl + grace,
   * and the longest tier TTL.
   */
  tagTtl?: Duration
  /**
   * Where tier state changes (up, down, degraded) and the invalidation bus's state are told, once per
   * change: pino, the Fastify logger (`app.log`), `console`, or any `{ error, warn, info, debug }`.
   * Without one, a tier still unreachable when its connect timeout passes is said once with
   * `process.emitWarning`.
   */
  logger?: Logger
  /**
   * Where the cache reads the time: `{ now(), monotonic() }` like `Date.now()` and `performance.now()`.
   * Every decision about time reads it (fresh and stale periods, tombstones, leases, back-offs, the
   * circuit breaker, the bus's trust deadline); timers still run in real time. Inject a clock you
   * advance by hand to test expiry without waiting; Redis still expires keys by its own clock.
   * Default: the system clock.
   */
  clock?: Clock
}

/** Per-call options of `getOrLoad`, `getMany` and `set`. */
export interface WriteOptions {
  /**
   * Fresh period of this entry, overriding the cache's `ttl`: more than 0, at most 10 years, else an
   * `InvalidTtlError` before anything is written (to remove a key, use `delete`).
   */
  ttl?: Duration
  /** Grace period of this entry, overriding the cache's `grace`. */
  grace?: Duration
  /** Tags for related-key invalidation (at most the cache's `maxTags`). */
  tags?: readonly string[]
}

/** How loads behave when they are slow, fail, or many processes want the same key (cache option `load`). */
export interface LoadProtectionOptions {
  /**
   * Within an entry's grace period, return the stale value at once and refresh it in the background
   * (once across all processes). When false, a stale value is only served when the loader fails or is
   * slower than `softTimeout`. Default true.
   */
  staleWhileRevalidate?: boolean
  /** With a stale value at hand, a load slower than this returns it and finishes in the background. */
  softTimeout?: Duration
  /** A load slower than this is abandoned: its signal aborts and the caller gets the stale value or a LoaderError. */
  hardTimeout?: Duration
  /** Refresh in the background an entry read in the last part of its fresh period (0-1: 0.2 = last 20 %). Default 0 (off). */
  refreshAhead?: number
  /** After a failed load was answered with a stale value, serve stale without calling the loader for this long. Default `'5s'`. */
  failSafeBackoff?: Duration
  /**
   * Cluster-wide stampede protection: on a miss, one process takes a lease in the coordinating tier and
   * loads; the others wait for its value. Default on when there is a Redis tier.
   */
  lease?: boolean | { ttl?: Duration; pollInterval?: Duration }
}

/** Per-call options of `getOrLoad`: the write options plus load protection for this call. */
export interface LoadOptions
  extends WriteOptions,
    Pick<LoadProtectionOptions, 'staleWhileRevalidate' | 'softTimeout' | 'hardTimeout' | 'refreshAhead'> {}

export interface ResolvedCacheOptions {
  readonly namespace: string
  readonly ttlMs: number
  readonly negativeTtlMs: number
  readonly graceMs: number
  readonly jitter: number
  readonly serializer: Serializer
  readonly serializers: ReadonlyMap<number, Serializer>
  readonly maxKeyBytes: number
  readonly maxTags: number
  readonly maxValueBytes: number
  readonly tombstoneTtlMs: number
  readonly coordinator: string | undefined
  readonly sync: SyncOptions
  readonly tagTtlMs: number
  readonly load: ResolvedLoadDefaults
  readonly logger: Logger | undefined
  readonly clock: Clock
}

/** Cache-wide load protection, resolved. */
export interface ResolvedLoadDefaults {
  readonly staleWhileRevalidate: boolean
  readonly softTimeoutMs: number | undefined
  readonly hardTimeoutMs: number | undefined
  readonly refreshAhead: number
  readonly failSafeBackoffMs: number
  /** Undefined when leases are off. */
  readonly lease: { readonly ttlMs: number; readonly pollIntervalMs: number } | undefined
  /** How long a running load takes new callers: the lease TTL (with leases off, what it would be). */
  readonly joinableMs: number
}

/** The resolved form of {@link LoadOptions}: numbers, validated. */
export interface ResolvedWriteOptions {
  readonly ttlMs: number
  readonly negativeTtlMs: number
  readonly graceMs: number
  readonly tags: readonly string[]
  readonly staleWhileRevalidate: boolean
  readonly softTimeoutMs: number | undefined
  readonly hardTimeoutMs: number | undefined
  readonly refreshAhead: number
}

const DEFAULT_TTL_MS = 60 * 60 * 1000

export function resolveCacheOptions(
  options: CacheOptions,
  tiers: readonly Pick<TierDefinition, 'kind' | 'ttlMs'>[],
): ResolvedCacheOptions {
  if (options === null || typeof options !== 'object')
    throw new InvalidOptionError('createCache needs an options object')
  const namespace = options.namespace ?? 'tc'
  assertValidNamespace(namespace)
  const ttlMs = optionalTtlMilliseconds(options.ttl, 'ttl') ?? defaultEntryTtl(tiers)
  const jitter = options.jitter ?? 0
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1)) {
    throw new InvalidOptionError(`jitter must be a number from 0 to 1; got ${String(options.jitter)}`)
  }
  const maxKeyBytes = options.maxKeyBytes ?? DEFAULT_MAX_KEY_BYTES
  if (!Number.isSafeInteger(maxKeyBytes) || maxKeyBytes < 1 || maxKeyBytes > 65_535) {
    throw new InvalidOptionError(
      `maxKeyBytes must be an integer from 1 to 65535; got ${String(options.maxKeyBytes)}`,
    )
  }
  const maxTags = options.maxTags ?? DEFAULT_MAX_TAGS
  if (!Number.isSafeInteger(maxTags) || maxTags < 1 || maxTags > 65_535) {
    throw new InvalidOptionError(`maxTags must be an integer from 1 to 65535; got ${String(options.maxTags)}`)
  }
  const serializer = resolveSerializer(options.serializer)
  const graceMs = optionalMilliseconds(options.grace, 'grace') ?? 0
  const serializers = new Map(builtInSerializers.map((s) => [s.id, s]))
  serializers.set(serializer.id, serializer)
  return {
    namespace,
    ttlMs,
    negativeTtlMs: optionalTtlMilliseconds(options.negativeTtl, 'negativeTtl') ?? ttlMs,
    graceMs,
    jitter,
    serializer,
    serializers,
    maxKeyBytes,
    maxTags,
    maxValueBytes: parseByteSize(options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES, 'maxValueBytes'),
    tombstoneTtlMs: Math.max(1, toMilliseconds(options.tombstoneTtl ?? '30s', 'tombstoneTtl')),
    coordinator: options.coordinator,
    sync: resolveSync(options.sync, maxKeyBytes),
    tagTtlMs: Math.max(
      1,
      optionalMilliseconds(options.tagTtl, 'tagTtl') ?? defaultTagTtl(ttlMs + graceMs, tiers),
    ),
    load: resolveLoad(
      options.load ?? {},
      tiers.some((tier) => tier.kind !== 'memory'),
    ),
    logger: checkLogger(options.logger),
    clock: checkClock(options.clock),
  }
}

function resolveLoad(load: LoadProtectionOptions, hasSharedTier: boolean): ResolvedLoadDefaults {
  if (typeof load !== 'object' || load === null) throw new InvalidOptionError('load must be an object')
  const hardTimeoutMs = optionalTimerMilliseconds(load.hardTimeout, 'load.hardTimeout')
  const lease = load.lease ?? hasSharedTier
  const leaseSettings = typeof lease === 'object' ? lease : {}
  // Tied to the loader timeout: a holder that dies frees the key once its load would have timed out.
  const leaseTtlMs = Math.max(
    1,
    optionalMilliseconds(leaseSettings.ttl, 'load.lease.ttl') ?? (hardTimeoutMs ?? 9000) + 1000,
  )
  return {
    staleWhileRevalidate: load.staleWhileRevalidate ?? true,
    softTimeoutMs: optionalTimerMilliseconds(load.softTimeout, 'load.softTimeout'),
    hardTimeoutMs,
    refreshAhead: checkFraction(load.refreshAhead ?? 0, 'load.refreshAhead'),
    failSafeBackoffMs: toMilliseconds(load.failSafeBackoff ?? '5s', 'load.failSafeBackoff'),
    lease:
      lease === false
        ? undefined
        : {
            ttlMs: leaseTtlMs,
            pollIntervalMs: Math.max(
              1,
              optionalTimerMilliseconds(leaseSettings.pollInterval, 'load.lease.pollInterval') ?? 200,
            ),
          },
    joinableMs: leaseTtlMs,
  }
}

function checkClock(clock: Clock | undefined): Clock {
  if (clock === undefined) return systemClock
  if (
    typeof clock !== 'object' ||
    clock === null ||
    typeof clock.now !== 'function' ||
    typeof clock.monotonic !== 'function'
  ) {
    throw new InvalidOptionError('clock must be an object with now() and monotonic() methods')
  }
  return clock
}

function checkFraction(value: number, what: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
    throw new InvalidOptionError(
      `${what} must be a number from 0 (off) up to, not including, 1; got ${String(value)}`,
    )
  }
  return value
}

function defaultTagTtl(entryLifeMs: number, tiers: readonly Pick<TierDefinition, 'ttlMs'>[]): number {
  return Math.max(24 * 60 * 60 * 1000, 2 * entryLifeMs, ...tiers.map((tier) => tier.ttlMs ?? 0))
}

function resolveSync(sync: SyncOptions | undefined, maxKeyBytes: number): SyncOptions {
  if (sync === undefined) return {}
  if (typeof sync !== 'object' || sync === null)
    throw new InvalidOptionError('sync must be an object like { bus: true, tracking: false }')
  const { bus } = sync
  if (bus !== undefined && typeof bus !== 'boolean' && (typeof bus !== 'object' || bus === null)) {
    throw new InvalidOptionError('sync.bus must be a boolean or bus options')
  }
  if (sync.tracking !== undefined && typeof sync.tracking !== 'boolean')
    throw new InvalidOptionError('sync.tracking must be a boolean')
  return typeof bus === 'object' ? { ...sync, bus: resolveBusOptions(bus, maxKeyBytes) } : sync
}

function defaultEntryTtl(tiers: readonly Pick<TierDefinition, 'kind' | 'ttlMs'>[]): number {
  const shared = tiers.filter((tier) => tier.kind !== 'memory')
  const candidates = (shared.length > 0 ? shared : tiers)
    .map((tier) => tier.ttlMs)
    .filter((ttl) => ttl !== undefined)
  return candidates.length > 0 ? Math.max(...candidates) : DEFAULT_TTL_MS
}

function resolveSerializer(option: CacheOptions['serializer']): Serializer {
  if (option === undefined || option === 'v8') return v8Serializer
  if (option === 'json') return jsonSerializer
  if (
    typeof option === 'object' &&
    option !== null &&
    typeof option.serialize === 'function' &&
    typeof option.deserialize === 'function' &&
    Number.isInteger(option.id) &&
    option.id >= 1 &&
    option.id <= 255
  ) {
    if (option.id < 16 && option !== v8Serializer && option !== jsonSerializer) {
      throw new InvalidOptionError(
        `serializer ids below 16 are reserved; give "${option.name}" an id from 16 to 255`,
      )
    }
    return option
  }
  throw new InvalidOptionError(
    "serializer must be 'v8', 'json' or an object with id (1-255), name, serialize and deserialize",
  )
}

/**
 * Resolves per-call options against the cache defaults. Duration strings are parsed once and memoised,
 * so a call that passes `{ ttl: '5m' }` every time does not re-parse it.
 */
export class WriteOptionsResolver {
  private readonly defaults: ResolvedWriteOptions
  private readonly parsed = new Map<string, number>()

  constructor(private readonly cache: ResolvedCacheOptions) {
    this.defaults = Object.freeze({
      ttlMs: cache.ttlMs,
      negativeTtlMs: cache.negativeTtlMs,
      graceMs: cache.graceMs,
      tags: [],
      staleWhileRevalidate: cache.load.staleWhileRevalidate,
      softTimeoutMs: cache.load.softTimeoutMs,
      hardTimeoutMs: cache.load.hardTimeoutMs,
      refreshAhead: cache.load.refreshAhead,
    })
  }

  /** Resolves per-call options; the same frozen defaults object when none are given (no allocation). */
  resolve(options: LoadOptions | undefined): ResolvedWriteOptions {
    if (options === undefined) return this.defaults
    if (options === null || typeof options !== 'object')
      throw new InvalidOptionError('options must be an object')
    const { ttl, grace, tags, staleWhileRevalidate, softTimeout, hardTimeout, refreshAhead } = options
    if (tags !== undefined) assertValidTags(tags, this.cache.maxKeyBytes, this.cache.maxTags)
    const ttlMs = ttl === undefined ? this.cache.ttlMs : this.ttl(ttl)
    const base = this.defaults
    return {
      ttlMs,
      negativeTtlMs: ttl === undefined ? this.cache.negativeTtlMs : ttlMs,
      graceMs: grace === undefined ? base.graceMs : this.duration(grace, 'grace'),
      tags: tags === undefined ? [] : [...new Set(tags)],
      staleWhileRevalidate: staleWhileRevalidate ?? base.staleWhileRevalidate,
      softTimeoutMs: softTimeout === undefined ? base.softTimeoutMs : this.timer(softTimeout, 'softTimeout'),
      hardTimeoutMs: hardTimeout === undefined ? base.hardTimeoutMs : this.timer(hardTimeout, 'hardTimeout'),
      refreshAhead:
        refreshAhead === undefined ? base.refreshAhead : checkFraction(refreshAhead, 'refreshAhead'),
    }
  }

  /** A per-call TTL: as any duration, and more than 0 (`toTtlMilliseconds` throws the error for 0). */
  private ttl(value: Duration): number {
    const ms = this.duration(value, 'ttl')
    return ms > 0 ? ms : toTtlMilliseconds(value, 'ttl')
  }

  /** A per-call timeout: as any duration, and no longer than a timer can wait. */
  private timer(value: Duration, what: string): number {
    const ms = this.duration(value, what)
    return ms <= MAX_TIMER_MS ? ms : toTimerMilliseconds(value, what)
  }

  private duration(value: Duration, what: string): number {
    if (typeof value === 'number') return toMilliseconds(value, what)
    const known = this.parsed.get(value)
    if (known !== undefined) return known
    const ms = toMilliseconds(value, what)
    if (this.parsed.size < 1000) this.parsed.set(value, ms)
    return ms
  }
}
