import bytes from 'bytes'
import { type Duration, optionalMilliseconds } from '../duration.js'
import type { Entry } from '../entry.js'
import { InvalidOptionError } from '../errors.js'
import { TierCounters } from '../metrics/tier-counters.js'
import { type EvictionPolicy, type EvictionPolicyFactory, lruPolicy } from './eviction-policy.js'
import { lfuPolicy } from './policies/lfu.js'
import { wTinyLfuPolicy } from './policies/w-tinylfu.js'
import { cloneDeep, freezeOwned, type ValueProtection } from './protect.js'
import type { Fill, Tier, TierContext, TierDefinition, TierRead, WriteOutcome } from './tier.js'

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
   * Which entry to forget when full. Default `'lru'` (least recently used). `'lfu'` forgets the least
   * frequently used (counts halve periodically so old favourites age out); `'w-tinylfu'` admits
   * newcomers past a small LRU window only when they are more popular than what they would displace
   * (best hit ratio on skewed or scanning workloads). Or pass your own {@link EvictionPolicyFactory}.
   */
  policy?: MemoryPolicyName | EvictionPolicyFactory
  /** How values are kept safe from callers who mutate what they get back. Default `'freeze'`. */
  protection?: ValueProtection
}

/** The built-in eviction policies of {@link memoryTier}. */
export type MemoryPolicyName = 'lru' | 'lfu' | 'w-tinylfu'

/** What the memory tier stores per key. The entry's value is the protected copy. */
interface MemoryRecord {
  readonly entry: Entry
  /** Epoch ms after which this copy is dropped (tier TTL capped by the entry's life). */
  readonly expiresAt: number
  /** The tier's epoch when filled; a later `invalidateAll()` makes the record invalid in O(1). */
  readonly epoch: number
  readonly cloneOnRead: boolean
  /**
   * For tombstones written on a key invalidation whose version is unknown (client tracking): fills of
   * values read before this instant (performance.now()) are refused.
   */
  readonly fencedAt?: number
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
  const ttlMs = optionalMilliseconds(options.ttl, `memoryTier "${name}" ttl`)
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

export class MemoryTier implements Tier {
  readonly kind = 'memory' as const
  readonly coordinator = false
  readonly counters = new TierCounters()
  readonly ttlMs: number | undefined
  private readonly store: EvictionPolicy<MemoryRecord>
  private epoch = 0
  private suspended = false

  constructor(
    readonly name: string,
    private readonly context: TierContext,
    private readonly settings: MemorySettings,
  ) {
    this.ttlMs = settings.ttlMs
    this.store = settings.policy<MemoryRecord>({
      maxEntries: settings.maxEntries,
      maxBytes: settings.maxBytes,
      onEvict: () => {
        this.counters.evictions++
      },
    })
  }

  /**
   * The L1 fast path: no promise, no allocation on a hit (unless the value must be cloned).
   * Returns live entries only (fresh or within grace); tombstones and expired copies are misses.
   */
  readSync(key: string, now: number): Entry | undefined {
    const entry = this.readEntry(key, now)
    return entry === undefined || entry.tombstone ? undefined : entry
  }

  /** Like {@link readSync} for many keys, but tombstones come back too so the read path can honour them. */
  read(keys: readonly string[], now: number): TierRead {
    return {
      entries: keys.map((key) => {
        const entry = this.readEntry(key, now)
        return entry === undefined ? undefined : { entry }
      }),
    }
  }

  private readEntry(key: string, now: number): Entry | undefined {
    if (this.suspended) {
      this.counters.skipped++
      this.counters.misses++
      return undefined
    }
    const record = this.store.get(key)
    if (record === undefined) {
      this.counters.misses++
      return undefined
    }
    if (now >= record.expiresAt || record.epoch !== this.epoch) {
      this.store.delete(key)
      this.counters.misses++
      return undefined
    }
    const entry = record.entry
    if (entry.tombstone) {
      this.counters.misses++
      return entry
    }
    if (now < entry.freshUntil) this.counters.hits++
    else this.counters.staleHits++
    return record.cloneOnRead ? { ...entry, value: cloneDeep(entry.value) } : entry
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
      this.store.set(
        fill.key,
        { entry, expiresAt, epoch: this.epoch, cloneOnRead: false },
        fill.key.length * 2 + RECORD_OVERHEAD_BYTES,
      )
      return { written: true, version: entry.version }
    }
    const { value, cloneOnRead } = this.protect(fill)
    const stored: Entry = value === entry.value ? entry : { ...entry, value }
    const size = (fill.payload?.byteLength ?? 0) + fill.key.length * 2 + RECORD_OVERHEAD_BYTES
    this.store.set(fill.key, { entry: stored, expiresAt, epoch: this.epoch, cloneOnRead }, size)
    this.counters.writes++
    return { written: true, version: entry.version }
  }

  /** Makes the copy this tier keeps; see {@link ValueProtection}. */
  private protect(fill: Fill): { value: unknown; cloneOnRead: boolean } {
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
    if (this.settings.protection === 'clone') return { value: copy, cloneOnRead: true }
    return freezeOwned(copy)
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
    const now = Date.now()
    const entry: Entry = {
      value: undefined,
      version: -1,
      createdAt: now,
      freshUntil: now,
      staleUntil: now + ttlMs,
      tags: [],
      tombstone: true,
    }
    const record: MemoryRecord = {
      entry,
      expiresAt: now + ttlMs,
      epoch: this.epoch,
      cloneOnRead: false,
      fencedAt: performance.now(),
    }
    this.store.set(key, record, key.length * 2 + RECORD_OVERHEAD_BYTES)
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
  }

  /** Serves again, with everything filled before now invalid. */
  resume(): void {
    this.epoch++
    this.suspended = false
  }

  clear(): void {
    this.store.clear()
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

/** Approximate bytes a record costs beyond its value and key (record, entry, policy node). */
const RECORD_OVERHEAD_BYTES = 200

const NAMED_POLICIES: Readonly<Record<MemoryPolicyName, EvictionPolicyFactory>> = {
  lru: lruPolicy,
  lfu: lfuPolicy,
  'w-tinylfu': wTinyLfuPolicy,
}

function resolvePolicy(policy: MemoryTierOptions['policy']): EvictionPolicyFactory {
  if (policy === undefined) return lruPolicy
  if (typeof policy === 'function') return policy
  if (Object.hasOwn(NAMED_POLICIES, policy)) return NAMED_POLICIES[policy]
  throw new InvalidOptionError(
    `memoryTier policy must be 'lru', 'lfu', 'w-tinylfu' or a policy factory; got ${String(policy)}`,
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
