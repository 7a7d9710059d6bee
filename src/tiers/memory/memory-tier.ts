import bytes from 'bytes'
import { isBeforePlain, NEVER_PLAIN, plainSecond } from '../../clock.js'
import { type Duration, optionalTtlMilliseconds } from '../../duration.js'
import type { Entry } from '../../entry.js'
import { InvalidOptionError } from '../../errors.js'
import type { TierState } from '../../types/tier-state.js'
import { cloneDeep, freezeOwned, type ValueProtection } from '../protect.js'
import type {
  Fill,
  LocalTier,
  ServedValue,
  SyncHit,
  TierContext,
  TierDefinition,
  TierRead,
  WriteOutcome,
} from '../tier.js'
import { TierCounters } from '../tier-counters.js'
import type { EvictionPolicy, EvictionPolicyFactory, PolicyValue } from './eviction-policy.js'
import { memoryEntryBytes, policyEntryBytes } from './memory-accounting.js'
import { clockPolicy } from './policies/clock.js'
import { lfuPolicy } from './policies/lfu.js'
import { lruPolicy } from './policies/lru.js'
import { s3FifoPolicy } from './policies/s3-fifo.js'
import { wTinyLfuPolicy } from './policies/w-tinylfu.js'

/** Options of {@link memoryTier}. */
export interface MemoryTierOptions {
  /** Shown in stats and events. Default `'memory'`. */
  name?: string
  /** Most entries held. Default 10,000. */
  maxEntries?: number
  /** Most bytes held (serialized size of values), as a number or a string like `'64mb'`. Default `'64mb'`. */
  maxBytes?: number | string
  /** Longest a copy stays in this tier, capped by the entry's own life. Default: the entry's life. */
  ttl?: Duration
  /**
   * Which entry to forget when full. Default `'s3-fifo'` (a small queue that one-time keys leave
   * without displacing the rest, and a main queue where keys read again go round once more; hits only
   * count a read). `'clock'` (second chance) approximates least recently used, with hits as cheap.
   * `'lru'` forgets the least recently used. `'lfu'` forgets the least
   * frequently used (counts halve periodically so old favourites age out); `'w-tinylfu'` admits
   * newcomers past a small LRU window only when they are more popular than what they would displace
   * (best hit ratio on skewed or scanning workloads). Or pass your own {@link EvictionPolicyFactory}.
   */
  policy?: MemoryPolicyName | EvictionPolicyFactory
  /** How values are kept safe from callers who mutate what they get back. Default `'freeze'`. */
  protection?: ValueProtection
}

/** The built-in eviction policies of {@link memoryTier}. */
export type MemoryPolicyName = 's3-fifo' | 'clock' | 'lru' | 'lfu' | 'w-tinylfu'

/** The policy of a {@link memoryTier} given none. */
export const DEFAULT_MEMORY_POLICY: MemoryPolicyName = 's3-fifo'

/**
 * What the memory tier stores per key. The entry's value is the protected copy. Every record has the
 * same fields (one hidden class), so the fast path's property reads stay monomorphic.
 */
interface MemoryRecord extends SyncHit, PolicyValue {
  readonly entry: Entry
  /**
   * `Promise.resolve(entry.value)`, made once when written and returned by every hit (a shared settled
   * promise cannot be harmed by callers). Undefined for tombstones, values cloned on every read, and
   * thenables (which a promise would adopt).
   */
  readonly settled: Promise<unknown> | undefined
  /** Epoch ms after which this copy is dropped (tier TTL capped by the entry's life). */
  readonly expiresAt: number
  /** The tier's epoch when filled; a later `invalidateAll()` makes the record invalid in O(1). */
  readonly epoch: number
  readonly cloneOnRead: boolean
  /**
   * For tombstones written on a key invalidation whose version is unknown (client tracking): fills of
   * values read before this instant (the clock's monotonic reading) are refused. Undefined otherwise.
   */
  readonly fencedAt: number | undefined
}

/**
 * Process memory: the L1 tier. Reads are synchronous, do not deserialize and never touch the network.
 *
 * @example
 * ```ts
 * memoryTier({ maxEntries: 10_000, maxBytes: '64mb', ttl: '30s' })
 * ```
 */
export function memoryTier(options: MemoryTierOptions = {}): TierDefinition {
  const name = options.name ?? 'memory'
  const maxEntries = options.maxEntries ?? 10_000
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new InvalidOptionError(
      `memoryTier maxEntries must be a positive integer; got ${String(options.maxEntries)}`,
    )
  }
  const maxBytes = parseByteSize(options.maxBytes ?? '64mb', 'memoryTier maxBytes')
  const ttlMs = optionalTtlMilliseconds(options.ttl, `memoryTier "${name}" ttl`)
  const protection = options.protection ?? 'freeze'
  if (!['freeze', 'clone', 'none'].includes(protection)) {
    throw new InvalidOptionError(
      `memoryTier protection must be 'freeze', 'clone' or 'none'; got ${String(protection)}`,
    )
  }
  const policy = resolvePolicy(options.policy)
  return {
    name,
    kind: 'memory',
    ttlMs,
    create: (context) => new MemoryTier(name, context, { maxEntries, maxBytes, ttlMs, protection, policy }),
  }
}

interface MemorySettings {
  maxEntries: number
  maxBytes: number
  ttlMs: number | undefined
  protection: ValueProtection
  policy: EvictionPolicyFactory
}

export class MemoryTier implements LocalTier {
  readonly kind = 'memory' as const
  readonly local = true as const
  readonly counters = new TierCounters()
  readonly ttlMs: number | undefined
  readonly protects: boolean
  private readonly store: EvictionPolicy<MemoryRecord>
  /** Bytes per entry of the policy's own structures. */
  private readonly policyBytes: number
  private epoch = 0
  private suspended = false
  /**
   * Reads are answered only before this time (epoch ms): the bus's proof that this process has heard
   * every invalidation published until then expires (see {@link trustUntil}). Infinite without a bus.
   */
  private trustedUntil = Number.POSITIVE_INFINITY
  /** `trustedUntil`, or -Infinity while suspended: the one number the read paths compare with. */
  private servingUntil = Number.POSITIVE_INFINITY

  constructor(
    readonly name: string,
    private readonly context: TierContext,
    private readonly settings: MemorySettings,
  ) {
    this.ttlMs = settings.ttlMs
    this.protects = settings.protection !== 'none'
    this.policyBytes = policyEntryBytes(settings.policy)
    this.store = settings.policy<MemoryRecord>({
      maxEntries: settings.maxEntries,
      maxBytes: settings.maxBytes,
      onEvict: () => {
        this.counters.evictions++
      },
    })
  }

  /** Live entries only (fresh or within grace); tombstones and expired copies are misses. */
  readSync(key: string, now: number): Entry | undefined {
    return this.readHit(key, now)?.entry
  }

  /**
   * The L1 fast path: like {@link readSync}, with the entry's settled promise. Allocates nothing on a
   * hit (unless the value must be cloned).
   */
  readHit(key: string, now: number): SyncHit | undefined {
    // The common cases inline here; misses and copies are calls, to keep this small enough to inline.
    if (now >= this.servingUntil) return this.skip()
    const record = this.store.get(key)
    // A plain fresh entry (plainUntil is never later than expiresAt) needs no other field read.
    if (record !== undefined && isBeforePlain(now, record.plainUntil) && record.epoch === this.epoch) {
      this.counters.hits++
      return record
    }
    if (
      record === undefined ||
      now >= record.expiresAt ||
      record.epoch !== this.epoch ||
      record.entry.tombstone
    ) {
      return this.miss(key, record, now)
    }
    if (now < record.entry.freshUntil) this.counters.hits++
    else this.counters.staleHits++
    return record.cloneOnRead ? copyHit(record.entry) : record
  }

  /** Like {@link readSync} for many keys, but tombstones come back too so the read path can honour them. */
  read(keys: readonly string[], now: number): TierRead {
    return {
      entries: keys.map((key) => {
        const record = this.readRecord(key, now)
        if (record === undefined) return undefined
        return { entry: record.cloneOnRead ? copyEntry(record.entry) : record.entry }
      }),
    }
  }

  /** The record of `key` if it is still valid here (tombstones included), counting the read. */
  private readRecord(key: string, now: number): MemoryRecord | undefined {
    if (now >= this.servingUntil) return this.skip()
    const record = this.store.get(key)
    if (record === undefined || now >= record.expiresAt || record.epoch !== this.epoch) {
      return this.miss(key, record, now)
    }
    const entry = record.entry
    if (entry.tombstone) this.counters.misses++
    else if (now < entry.freshUntil) this.counters.hits++
    else this.counters.staleHits++
    return record
  }

  /** A read while suspended or past the trust deadline: a miss, without touching the store. */
  private skip(): undefined {
    this.counters.skipped++
    this.counters.misses++
    return undefined
  }

  /** Counts a miss; drops the record if it has expired or predates an `invalidateAll()`. */
  private miss(key: string, record: MemoryRecord | undefined, now: number): undefined {
    if (record !== undefined && (now >= record.expiresAt || record.epoch !== this.epoch)) {
      this.store.delete(key)
    }
    this.counters.misses++
    return undefined
  }

  write(fills: readonly Fill[], now: number): WriteOutcome[] {
    return fills.map((fill) => this.writeOne(fill, now))
  }

  private writeOne(fill: Fill, now: number): WriteOutcome {
    const { entry } = fill
    if (this.suspended) return { written: false, version: undefined }
    const existing = this.store.peek(fill.key)
    if (existing !== undefined && existing.epoch === this.epoch && isNewer(existing, fill)) {
      this.counters.writesRefused++
      return { written: false, version: entry.version }
    }
    const lifeEnd = entry.staleUntil
    const expiresAt = this.ttlMs === undefined ? lifeEnd : Math.min(lifeEnd, now + this.ttlMs)
    if (expiresAt <= now) {
      this.store.delete(fill.key)
      return { written: true, version: entry.version }
    }
    if (entry.tombstone) {
      // Kept (briefly) so that a back-fill of an older version read before the delete is refused.
      this.put(fill.key, this.record(entry, expiresAt, false, undefined))
      return { written: true, version: entry.version }
    }
    const { value, cloneOnRead } = this.protect(fill)
    const stored: Entry = value === entry.value ? entry : { ...entry, value }
    this.put(fill.key, this.record(stored, expiresAt, cloneOnRead, undefined))
    this.counters.writes++
    return { written: true, version: entry.version }
  }

  /** Stores a record, accounting what it costs on the heap (see memory-accounting.ts). */
  private put(key: string, record: MemoryRecord): void {
    const size = memoryEntryBytes(key, record.entry, record.settled !== undefined, this.policyBytes)
    this.store.set(key, record, size)
  }

  private record(
    entry: Entry,
    expiresAt: number,
    cloneOnRead: boolean,
    fencedAt: number | undefined,
  ): MemoryRecord {
    const settled =
      entry.tombstone || cloneOnRead || isThenable(entry.value) ? undefined : Promise.resolve(entry.value)
    const plainUntil =
      settled !== undefined && entry.tags.length === 0
        ? plainSecond(Math.min(entry.freshUntil, expiresAt))
        : NEVER_PLAIN
    // The fields a fast-path hit reads (the LRU reads policySlot) come first, so that they share the
    // record's first cache line.
    const epoch = this.epoch
    return { settled, plainUntil, epoch, policySlot: 0, entry, expiresAt, cloneOnRead, fencedAt }
  }

  /**
   * Makes the copy this tier keeps; see {@link ValueProtection}. An owned value is also what the read
   * that decoded it returns: it is kept itself only when frozen whole, else this tier keeps a copy.
   */
  private protect(fill: Fill): ServedValue {
    const value = fill.entry.value
    if (this.settings.protection === 'none' || value === null || typeof value !== 'object') {
      return { value, cloneOnRead: false }
    }
    // A private copy: decoding the bytes every other tier stores keeps L1 and L2 values identical.
    const copy = fill.owned
      ? value
      : fill.payload
        ? this.context.serializer.deserialize(fill.payload)
        : cloneDeep(value)
    if (this.settings.protection === 'clone') {
      return { value: fill.owned ? cloneDeep(copy) : copy, cloneOnRead: true }
    }
    const frozen = freezeOwned(copy)
    // Binary members cannot be frozen: the reader holding `value` could still change them here.
    if (frozen.cloneOnRead && fill.owned) return { value: cloneDeep(frozen.value), cloneOnRead: true }
    return frozen
  }

  served(fill: Fill): ServedValue {
    const record = this.store.peek(fill.key)
    const { entry } = fill
    if (
      record !== undefined &&
      record.epoch === this.epoch &&
      !record.entry.tombstone &&
      record.entry.version === entry.version &&
      record.entry.createdAt === entry.createdAt
    ) {
      return { value: record.entry.value, cloneOnRead: record.cloneOnRead }
    }
    return this.protect(fill)
  }

  discard(key: string, version: number): void {
    const record = this.store.peek(key)
    if (record !== undefined && record.entry.version === version) this.store.delete(key)
  }

  /** Drops one key (used by deletes and by invalidations from other processes). */
  remove(key: string): void {
    this.store.delete(key)
  }

  /**
   * Drops `key` because it changed elsewhere but its new version is unknown (client tracking): a
   * fence tombstone refuses fills of values read before now, for `ttlMs`.
   */
  fence(key: string, ttlMs: number): void {
    const { clock } = this.context
    const now = clock.now()
    const entry: Entry = {
      value: undefined,
      version: -1,
      createdAt: now,
      freshUntil: now,
      staleUntil: now + ttlMs,
      tags: [],
      tombstone: true,
    }
    this.put(key, this.record(entry, now + ttlMs, false, clock.monotonic()))
  }

  /**
   * `key` now holds `version` in the coordinating tier (client tracking read it back): a copy of that
   * version or newer stays, an older one gives way to a tombstone at `version`, which refuses older
   * fills for `ttlMs` and lets a fill of `version` itself (this process's own write, arriving late) in.
   */
  supersede(key: string, version: number, ttlMs: number): void {
    if (this.suspended) return
    const record = this.store.peek(key)
    const holdsNewer =
      record !== undefined &&
      record.epoch === this.epoch &&
      record.fencedAt === undefined &&
      record.entry.version >= version
    if (holdsNewer) return
    const now = this.context.clock.now()
    const entry: Entry = {
      value: undefined,
      version,
      createdAt: now,
      freshUntil: now,
      staleUntil: now + ttlMs,
      tags: [],
      tombstone: true,
    }
    this.put(key, this.record(entry, now + ttlMs, false, undefined))
  }

  /** Treats every entry filled so far as invalid, in O(1). Used when invalidation messages may have been lost. */
  invalidateAll(): void {
    this.epoch++
  }

  /**
   * Stops serving and filling (every read is a miss) until {@link resume}: used while this process
   * cannot hear other processes' invalidations.
   */
  suspend(): void {
    this.suspended = true
    this.servingUntil = Number.NEGATIVE_INFINITY
  }

  /** `'bypassed'` while suspended (invalidations from other processes could be missed), else `'up'`. */
  get state(): TierState {
    return this.suspended ? 'bypassed' : 'up'
  }

  /** Serves again, with everything filled before now invalid. */
  resume(): void {
    this.epoch++
    this.suspended = false
    this.servingUntil = this.trustedUntil
  }

  clear(): void {
    this.store.clear()
  }

  /**
   * Answers reads only until `deadline` (epoch ms) unless moved on again. The bus moves it on each time
   * one of this process's own heartbeats comes back (which proves every message published before it was
   * heard), to that heartbeat's send time plus the consistency bound: a process too starved of CPU to
   * read its socket then stops serving what it has in memory instead of serving it past the bound.
   */
  trustUntil(deadline: number): void {
    this.trustedUntil = deadline
    if (!this.suspended) this.servingUntil = deadline
  }

  close(): void {
    this.store.clear()
  }

  get size(): number {
    return this.store.size
  }

  get bytes(): number {
    return this.store.bytes
  }
}

/** Whether the stored record must win over a fill: a newer version, or a fence the fill's read predates. */
function isNewer(existing: MemoryRecord, fill: Fill): boolean {
  if (existing.fencedAt !== undefined)
    return (fill.observedAt ?? Number.POSITIVE_INFINITY) < existing.fencedAt
  return existing.entry.version > fill.entry.version
}

/** A hit on a value cloned on every read: its own copy, no shared promise. */
function copyHit(entry: Entry): SyncHit {
  return { entry: copyEntry(entry), settled: undefined, plainUntil: NEVER_PLAIN, cloneOnRead: true }
}

function copyEntry(entry: Entry): Entry {
  return { ...entry, value: cloneDeep(entry.value) }
}

function isThenable(value: unknown): boolean {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  )
}

const NAMED_POLICIES: Readonly<Record<MemoryPolicyName, EvictionPolicyFactory>> = {
  's3-fifo': s3FifoPolicy,
  clock: clockPolicy,
  lru: lruPolicy,
  lfu: lfuPolicy,
  'w-tinylfu': wTinyLfuPolicy,
}

function resolvePolicy(policy: MemoryTierOptions['policy']): EvictionPolicyFactory {
  if (policy === undefined) return NAMED_POLICIES[DEFAULT_MEMORY_POLICY]
  if (typeof policy === 'function') return policy
  if (Object.hasOwn(NAMED_POLICIES, policy)) return NAMED_POLICIES[policy]
  throw new InvalidOptionError(
    `memoryTier policy must be 's3-fifo', 'clock', 'lru', 'lfu', 'w-tinylfu' or a policy factory; got ${String(policy)}`,
  )
}

export function parseByteSize(value: number | string, what: string): number {
  const parsed = typeof value === 'number' ? value : bytes.parse(value)
  if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed < 1) {
    throw new InvalidOptionError(
      `${what} must be a positive number of bytes or a string like '64mb'; got ${String(value)}`,
    )
  }
  return Math.floor(parsed)
}
