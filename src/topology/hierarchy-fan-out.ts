import type { Entry } from '../entry.js'
import type { Fill, Tier, WriteOutcome } from '../tiers/tier.js'

/**
 * Carries every set and delete of one data center to the levels of the hierarchy it does not read:
 * every region's regional tier and every other data center's local tier.
 *
 * It hooks into the global tier, the coordinator: a set or a delete reaches it first (the cache asks it
 * to issue the write's version), so the hook knows the version and writes the same entry — the value, or
 * the tombstone — with that version into the other levels before the cache goes on to this data
 * center's own regional and local tiers. A `set` or `delete` therefore resolves only when every Redis
 * level of every region holds the new version (or has it queued for replay, when unreachable).
 *
 * **Order: top-down.** Global first (the hook runs after it), then every regional tier, then every local
 * tier (this data center's own local tier last, written by the cache itself). A read anywhere walks
 * local → regional → global and back-fills downward only, so with this order every level still holding
 * the old value lies below every level already cleaned, and a back-fill can only carry the old value
 * from one not-yet-cleaned level to another one below it — which the write reaches afterwards and
 * overwrites, because its version is higher (WRITE_IF_NEWER). A back-fill that read the old value
 * before and lands after the write is refused the same way. Once the last local tier is written, the
 * old value is nowhere, whatever the tombstones' TTL. Bottom-up would be safe only while tombstones
 * live: a lagging upper level (one that missed the write and is replaying) could hand its old value to a
 * lower level again once the lower level's tombstone expired.
 *
 * Tag invalidations need no fan-out: tag versions live in the global tier and every tagged entry, at
 * any level, is checked against them.
 */
export class HierarchyFanOut {
  constructor(
    /** Every region's regional tier (this region's is the cache's own tier). */
    private readonly regional: readonly Tier[],
    /** Every other data center's local tier. */
    private readonly local: readonly Tier[],
    /** Tiers created for the fan-out (closed with it). */
    private readonly owned: readonly Tier[],
    /** The cache's `tombstoneTtl`. */
    private readonly tombstoneTtlMs: number,
  ) {}

  /**
   * The global tier's write, followed by the fan-out of what it accepted as a set or a delete. Fills the
   * global tier refused (it holds a newer version) are not fanned out: the newer write was.
   */
  async writeThrough(global: Tier, fills: readonly Fill[], now: number): Promise<WriteOutcome[]> {
    const outcomes = await global.write(fills, now)
    const down: Fill[] = []
    fills.forEach((fill, i) => {
      if (fill.versioning !== 'issue') return // a load's or back-fill's value: stays in this data center
      const outcome = outcomes[i]
      if (outcome?.written === true && outcome.version !== undefined)
        down.push(withVersion(fill, fill.entry, outcome.version))
      else if (outcome?.version === undefined) down.push(estimatedTombstone(fill, now, this.tombstoneTtlMs))
    })
    if (down.length > 0) await this.write(down, now)
    return outcomes
  }

  /** Writes versioned fills top-down: every regional tier, then every other local tier. */
  async write(fills: readonly Fill[], now: number): Promise<void> {
    await Promise.all(this.regional.map((tier) => tier.write(fills, now)))
    await Promise.all(this.local.map((tier) => tier.write(fills, now)))
  }

  /** Clears the namespace top-down in every regional tier, then in every other local tier. */
  async clear(): Promise<void> {
    await Promise.all(this.regional.map((tier) => tier.clear()))
    await Promise.all(this.local.map((tier) => tier.clear()))
  }

  async close(): Promise<void> {
    await Promise.all(this.owned.map((tier) => tier.close()))
  }
}

function withVersion(fill: Fill, entry: Entry, version: number): Fill {
  return { ...fill, entry: { ...entry, version }, versioning: 'given' }
}

/**
 * The global tier did not answer, so no version was issued: other data centers still get a tombstone
 * (a set's value is not copied without a version to order it by). Its version is this machine's clock
 * in the coordinator's unit (µs). Too high, it only refuses fills until it expires (misses, never a
 * stale value); too low, a newer entry refuses it, which is right.
 */
function estimatedTombstone(fill: Fill, now: number, ttlMs: number): Fill {
  const tombstone: Entry = {
    value: undefined,
    version: now * 1000,
    createdAt: now,
    freshUntil: now,
    staleUntil: now + ttlMs,
    tags: [],
    tombstone: true,
  }
  return { key: fill.key, entry: tombstone, payload: undefined, versioning: 'given', durable: true }
}
