import { type Entry, isFresh, isServable } from './entry.js'
import type { Fill, Stored, Tier } from './tiers/tier.js'

/** Where a key was found. */
export interface Hit {
  readonly stored: Stored
  readonly tierIndex: number
}

export interface LookupResult {
  /** Keys with a fresh entry, and the first (fastest) tier that had it. */
  readonly hits: Map<string, Hit>
  /** Keys without a fresh entry but with one still within grace (the fastest such tier). */
  readonly stale: Map<string, Hit>
  /** Keys no tier had fresh, in request order. */
  readonly missing: readonly string[]
  /** The coordinator clock, when the coordinator was read. */
  readonly clock: number | undefined
}

/** Checks tagged entries against their tags' current versions (see sync/tags.ts). */
export type TagCheck = (entries: readonly Entry[]) => Promise<boolean[]>

/**
 * The one read path (design principle 1): walks tiers `from`..end in order, asking each only for the
 * keys still missing, one round trip per tier. A tombstone seen in a faster tier hides older entries
 * in slower ones (a delete that reached the hot tier but not yet the warm one still counts). Fresh
 * entries carrying tags count only if no tag was invalidated after them (one more round trip, for all
 * keys of the tier at once, when tag versions are not known locally).
 */
export async function lookup(
  tiers: readonly Tier[],
  keys: readonly string[],
  from: number,
  now: number,
  checkTags: TagCheck,
): Promise<LookupResult> {
  const hits = new Map<string, Hit>()
  const stale = new Map<string, Hit>()
  const floors = new Map<string, number>()
  let pending = keys
  let clock: number | undefined
  for (let tierIndex = from; tierIndex < tiers.length && pending.length > 0; tierIndex++) {
    const read = await (tiers[tierIndex] as Tier).read(pending, now)
    if (read.clock !== undefined) clock = read.clock
    const tagged: [string, Stored][] = []
    for (let i = 0; i < pending.length; i++) {
      const key = pending[i] as string
      const stored = read.entries[i]
      if (stored === undefined) continue
      const { entry } = stored
      const floor = floors.get(key)
      if (floor !== undefined && entry.version < floor) continue
      if (entry.tombstone) floors.set(key, entry.version)
      else if (isFresh(entry, now)) {
        if (entry.tags.length > 0) tagged.push([key, stored])
        else hits.set(key, { stored, tierIndex })
      } else if (isServable(entry, now) && !stale.has(key)) stale.set(key, { stored, tierIndex })
    }
    if (tagged.length > 0) {
      const valid = await checkTags(tagged.map(([, stored]) => stored.entry))
      tagged.forEach(([key, stored], i) => {
        if (valid[i]) hits.set(key, { stored, tierIndex })
      })
    }
    pending = pending.filter((key) => !hits.has(key))
  }
  return { hits, stale, missing: pending, clock }
}

/**
 * The back-fills a set of hits calls for: each hit is written into every tier above the one that
 * had it, with the version it already carries (so a newer value there is never overwritten).
 * Returns one list of fills per tier index.
 */
export function backfillsFor(
  hits: ReadonlyMap<string, Hit>,
  tierCount: number,
  observedAt: number,
): Fill[][] {
  const perTier: Fill[][] = Array.from({ length: tierCount }, () => [])
  for (const [key, { stored, tierIndex }] of hits) {
    const fill: Fill = {
      key,
      entry: stored.entry,
      payload: stored.payload,
      versioning: 'given',
      owned: true,
      observedAt,
    }
    for (let target = 0; target < tierIndex; target++) (perTier[target] as Fill[]).push(fill)
  }
  return perTier
}
