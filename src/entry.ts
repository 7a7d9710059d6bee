/**
 * The one record every tier stores (design principle 2). Expiry decisions read these fields, never a
 * tier's own clock alone: Redis PX TTLs and memory-tier deadlines only bound how long a copy is kept.
 */
export interface Entry<V = unknown> {
  /** The cached value; `undefined` only for tombstones. */
  readonly value: V
  /**
   * Orders writes of one key. Issued by the coordinating Redis tier (its TIME, made monotonic), so
   * two processes' writes compare without trusting their clocks. Higher wins in every tier.
   */
  readonly version: number
  /** Wall-clock milliseconds when the value was produced (informational). */
  readonly createdAt: number
  /** Until this instant (epoch ms) the value is fresh. */
  readonly freshUntil: number
  /** Until this instant the value may still be served stale (grace); equals `freshUntil` without grace. */
  readonly staleUntil: number
  /** Tags for related-key invalidation. */
  readonly tags: readonly string[]
  /** A deletion marker: a miss that still carries a version, so a late fill cannot resurrect the key. */
  readonly tombstone: boolean
}

export const NO_TAGS: readonly string[] = Object.freeze([])

/**
 * How far ahead of the wall clock a version read from a tier may be. Versions are Redis TIME in µs (or
 * this process's clock in that unit), so a genuine one leads a reader's clock by the clocks' skew at
 * most. A version further ahead is forged or corrupt; honouring it would let it outrank every later
 * write of the key, for years or for ever, so readers treat such an entry as undecodable and writes
 * replace it (the Lua scripts apply the same bound with the server's TIME).
 */
export const VERSION_LEAD_LIMIT_US = 24 * 60 * 60 * 1_000_000

/** A version as tiers issue them: a non-negative integer at most {@link VERSION_LEAD_LIMIT_US} ahead of `nowMs`. */
export function isPlausibleVersion(version: number, nowMs: number): boolean {
  return Number.isSafeInteger(version) && version >= 0 && version <= nowMs * 1000 + VERSION_LEAD_LIMIT_US
}

export function isFresh(entry: Entry, now: number): boolean {
  return !entry.tombstone && now < entry.freshUntil
}

/** Fresh, or stale but within grace. */
export function isServable(entry: Entry, now: number): boolean {
  return !entry.tombstone && now < entry.staleUntil
}

/** Milliseconds until the entry can no longer be served at all. */
export function remainingLife(entry: Entry, now: number): number {
  return entry.staleUntil - now
}

/**
 * How long a tier keeps a copy: its own TTL, capped by the entry's remaining life. Returns 0 when the
 * copy should not be written at all.
 */
export function tierTtl(entry: Entry, tierTtlMs: number | undefined, now: number): number {
  const life = remainingLife(entry, now)
  if (life <= 0) return 0
  return tierTtlMs === undefined ? life : Math.min(life, tierTtlMs)
}
