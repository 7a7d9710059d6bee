import type { CacheEvents } from '../cache-events.js'
import type { Clock } from '../clock.js'
import type { Serializer } from '../codec/serializer.js'
import type { Entry } from '../entry.js'
import type { HealthLog } from '../health-log.js'
import type { TierState } from '../types/tier-state.js'
import type { TierCounters } from './tier-counters.js'

/** What every tier gets from the cache that owns it. */
export interface TierContext {
  readonly namespace: string
  readonly serializer: Serializer
  readonly serializers: ReadonlyMap<number, Serializer>
  readonly events: CacheEvents
  readonly maxKeyBytes: number
  /** Follows tier states and says what happens to the logger (absent in unit tests of a single tier). */
  readonly health?: HealthLog
  /** Largest serialized value written or read back (see the cache option `maxValueBytes`). */
  readonly maxValueBytes: number
  /** Where the tier reads the time (the cache option `clock`). */
  readonly clock: Clock
}

/**
 * A held lease handed to its load's fill, so that a coordinator able to release it in the same script
 * as its write (a single Redis server) does so and says so here; otherwise `Leases.release` (see
 * leases.ts) releases it with a command of its own.
 */
export interface LeaseHandoff {
  readonly key: string
  readonly token: string
  /** Set by the coordinator when its write released the lease. */
  released: boolean
  /** Whether another process marked the lease as awaited (valid once `released`). */
  awaited: boolean
}

/** One key's value on its way into tiers: the entry plus its serialized value, made once for all tiers. */
export interface Fill {
  readonly key: string
  readonly entry: Entry
  /** The value serialized by the cache's serializer; undefined for tombstones. */
  readonly payload: Uint8Array | undefined
  /**
   * How to write the version: `'given'` writes `entry.version` if it is at least the stored one;
   * `'issue'` asks the coordinating tier to issue a new version (sets and deletes). Only the
   * coordinator honours `'issue'`; the cache passes the issued version on to every other tier.
   */
  readonly versioning: 'given' | 'issue'
  /** True when `entry.value` is a private copy (freshly decoded) that a memory tier may freeze in place. */
  readonly owned?: boolean
  /**
   * When the value was read or its load started (the clock's monotonic reading); a memory-tier fence set after
   * this refuses the fill. Undefined means "now" (sets).
   */
  readonly observedAt?: number
  /**
   * A set or a delete: a tier that misses it (down, timeout) replays it when it is back, since a
   * persistent tier would otherwise keep serving the value this write replaced.
   */
  readonly durable?: boolean
  /**
   * The lease the load of this fill holds: the coordinator releases it along with its write where it
   * can do both in one script, and marks it released (see tiers/leases.ts). Other tiers ignore it.
   */
  readonly lease?: LeaseHandoff | undefined
}

/** An entry as read from a tier, with its serialized value when the tier had one (saves re-serializing on back-fill). */
export interface Stored {
  readonly entry: Entry
  readonly payload?: Uint8Array | undefined
}

/** What a tier reports after a conditional write. */
export interface WriteOutcome {
  /** False when a newer version was already stored, or the tier was unavailable. */
  readonly written: boolean
  /** The version the write used (the issued one under `'issue'`). */
  readonly version: number | undefined
  /** True when the tier did not answer (timed out, disconnected, circuit open): the write may be missing. */
  readonly unanswered?: boolean
}

/**
 * A synchronous tier's answer on its fast path: the live entry and, when reads need no copy of the
 * value, one settled promise of it made when the entry was written, so a hit allocates nothing.
 */
export interface SyncHit {
  readonly entry: Entry
  readonly settled: Promise<unknown> | undefined
  /**
   * Until when the hit may be returned as it is: the entry is fresh, carries no tags and has a
   * settled promise; otherwise earlier than any clock reading. A second as `plainSecond()` in
   * clock.ts counts them (compare with `isBeforePlain()`). Saves the fast path from reading the entry
   * itself (another object, and another cache miss when the tier is large).
   */
  readonly plainUntil: number
  /** True when `entry.value` is a copy made for this read (the tier clones this value on every read). */
  readonly cloneOnRead: boolean
}

/** A value as a memory tier hands it to callers: protected, and whether each caller needs its own copy. */
export interface ServedValue {
  readonly value: unknown
  /** True when callers must not share `value`: each gets a deep copy of it. */
  readonly cloneOnRead: boolean
}

/** A tier's answer to a read: an entry (or nothing) per key asked, in order. */
export interface TierRead {
  readonly entries: readonly (Stored | undefined)[]
}

/** What every tier has, local or shared. */
interface TierBase {
  readonly name: string
  /** What the tier is made of (stats only; `local` tells the engine how to treat it). */
  readonly kind: 'memory' | 'redis'
  /** The longest this tier keeps a copy; undefined means the entry's own life decides. */
  readonly ttlMs: number | undefined
  readonly counters: TierCounters
  read(keys: readonly string[], now: number): Promise<TierRead> | TierRead
  write(fills: readonly Fill[], now: number): Promise<WriteOutcome[]> | WriteOutcome[]
  /** Removes this tier's copies of every key in the namespace. */
  clear(): Promise<void> | void
  close(): Promise<void> | void
  /** Whether the tier is in use, and if not why (see TierState). */
  readonly state?: TierState
}

/**
 * A tier in this process that never does I/O (the memory tier): it answers synchronously, and other
 * processes' writes reach it as invalidations (see sync/synchronizer.ts).
 */
export interface LocalTier extends TierBase {
  readonly local: true
  /** Live entries only (fresh or within grace). */
  readSync(key: string, now: number): Entry | undefined
  /** Like `readSync`, with the entry's settled promise (the L1 fast path of the cache's reads). */
  readHit(key: string, now: number): SyncHit | undefined
  /** Drops the local copy of `key` if it is still the given version. */
  discard(key: string, version: number): void
  /** Drops `key`, refusing fills of values read before now for `ttlMs` (see MemoryTier.fence). */
  fence(key: string, ttlMs: number): void
  /**
   * `key` now holds `version` elsewhere: drops an older copy and refuses older fills for `ttlMs`; a copy
   * of that version or newer stays (see MemoryTier.supersede).
   */
  supersede(key: string, version: number, ttlMs: number): void
  /** Treats every entry held as invalid, in O(1). */
  invalidateAll(): void
  /** Stops serving and filling until `resume()` (while invalidations could be missed). */
  suspend(): void
  resume(): void
  /** Answers reads only until `deadline` (epoch ms), unless moved on again (with a bus). */
  trustUntil(deadline: number): void
  /** Whether this tier protects the values it serves from callers who mutate them (not `'none'`). */
  readonly protects: boolean
  /**
   * What callers get for a fill this tier was just given: the protected copy it now holds, or a new
   * one when it did not keep the fill (so values served from a load are protected like hits).
   */
  served(fill: Fill): ServedValue
}

/** A tier every process of the namespace reads and writes (Redis): asynchronous, shared, versioned. */
export interface SharedTier extends TierBase {
  readonly local: false
  /** The coordination this tier can offer the cache, or undefined when it cannot coordinate. */
  readonly coordinator: Coordinator | undefined
}

/**
 * A level of the cache stack. The cache walks an ordered array of these with one read path; what the
 * engine needs to know of a tier beyond that is whether it is `local`.
 */
export type Tier = LocalTier | SharedTier

/** A coordinator's answer to a lease request. */
export type LeaseAnswer = { readonly taken: boolean; readonly clock: number } | { readonly changed: true }

/**
 * What the cache's coordinating tier does beyond storing entries: it issues versions (for `'issue'`
 * fills once appointed, see Fill.versioning), keeps tag versions and load leases, and carries the
 * `bus` that invalidations between processes travel on (its type is the tier's: a Redis link for the
 * Redis tier). A cache has at most one coordinator.
 */
export interface Coordinator<Bus = unknown> {
  /** The name of the tier that coordinates. */
  readonly name: string
  /**
   * Makes this the cache's coordinator; called once by the cache. From then on its tier issues versions
   * for `'issue'` fills and releases the leases handed to its writes.
   */
  appoint(): void
  /** Reads the version clock: a load's start version when it took no lease. Undefined when unanswered. */
  readClock(): Promise<number | undefined>
  /** Remembers a set or delete whose write was not answered, to replay when the tier is back. */
  remember(fill: Fill): void
  /** One new version for all `tags`, kept for `ttlMs`; undefined when it could not be recorded. */
  invalidateTags(tags: readonly string[], ttlMs: number): Promise<number | undefined>
  /** Current versions of tags (0 for a tag never invalidated), or undefined when unanswered. */
  readTagVersions(tags: readonly string[]): Promise<number[] | undefined>
  /** The version each key's entry holds now (undefined where absent), or undefined when unanswered. */
  readEntryVersions(keys: readonly string[]): Promise<(number | undefined)[] | undefined>
  /**
   * Takes the load lease of `key` for `ttlMs` if it is free, with the clock as the load's start version.
   * `seenVersion`: the newest version of the key the caller's read saw (0 for none); a coordinator that
   * can compare it with the entry in the same round trip answers `changed` when the entry is newer.
   * Undefined when unanswered.
   *
   * `alongRead`: the caller reads the key from the tiers in the same turn, starting now. A coordinator
   * that can read the entry in the lease request's round trip may answer its own tier's read of the
   * key with it, so that read costs no command of its own.
   */
  acquireLease(
    key: string,
    token: string,
    ttlMs: number,
    seenVersion?: number,
    alongRead?: boolean,
  ): Promise<LeaseAnswer | undefined>
  /** Gives the lease back if `token` still holds it; true if another process was waiting for the fill. */
  releaseLease(key: string, token: string): Promise<boolean>
  /** Where invalidations between processes travel (see sync/synchronizer.ts). */
  readonly bus: Bus
}

/** What `memoryTier()` and `redisTier()` return: a recipe the cache turns into a tier bound to itself. */
export interface TierDefinition {
  readonly name: string
  readonly kind: 'memory' | 'redis'
  /** The tier's TTL cap, if it has one (the cache's default entry TTL is the longest of these). */
  readonly ttlMs: number | undefined
  /** @internal Builds the tier for one cache; called by `createCache`. */
  create(context: TierContext): Tier
}
