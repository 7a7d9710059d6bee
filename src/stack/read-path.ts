import type { Entry } from '../entry.js'
import type { Fill, Stored, Tier, TierRead } from '../tiers/tier.js'
import { judge, needsTagCheck } from './hit-rule.js'

/** Where a key was found. */
export interface Hit {
  readonly stored: Stored
  readonly tierIndex: number
}

export interface LookupResult {
  /** Keys with a fresh entry, and the first (fastest) tier that had it. */
  readonly hits: Map<string, Hit>
  /** Keys without a fresh entry but with one still within grace (the fastest such tier). */
  readonly stale: ReadonlyMap<string, Hit>
  /** Keys no tier had fresh, in request order. */
  readonly missing: readonly string[]
  /**
   * The newest version read of each key that was not a fresh hit (tombstones, entries past grace or
   * of an invalidated tag, stale ones): a lease request compares it with the coordinator's entry.
   */
  readonly seen?: ReadonlyMap<string, number>
}

/** What the tiers hold for one key: {@link lookup}'s answer for a single key, without maps or lists. */
export interface KeyLookup {
  /** The key's fresh entry, from the fastest tier that had one. */
  readonly hit: Hit | undefined
  /** Its entry within grace from the fastest tier that had one, when no tier before `hit`'s had it fresh. */
  readonly stale: Hit | undefined
  /** As in {@link LookupResult.seen}; 0 when no version was seen. */
  readonly seen: number
}

/**
 * Told of each single-key read's answer just before its caller is (the stack: back-fills, and its
 * choice of asking tiers together). An object the stack makes once, rather than a callback per read.
 */
export interface KeyReadWatcher {
  /** `observedAt`: the monotonic time the read started at (see Fill.observedAt). */
  keyRead(key: string, found: KeyLookup, from: number, now: number, observedAt: number): void
}

/** Checks tagged entries against their tags' current versions (see sync/tag-versions.ts). */
export type TagCheck = (entries: readonly Entry[]) => Promise<boolean[]>

const NOTHING_STALE: ReadonlyMap<string, Hit> = new Map()
const NO_KEYS: readonly string[] = []

/**
 * The one read path (design principle 1): walks tiers `from`..end in order, asking each only for the
 * keys still missing, one round trip per tier. A tombstone seen in a faster tier hides older entries
 * in slower ones (a delete that reached the hot tier but not yet the warm one still counts). Fresh
 * entries carrying tags count only if no tag was invalidated after them (one more round trip, for all
 * keys of the tier at once, when tag versions are not known locally); so do stale ones. Each entry is
 * judged by the hit rule (hit-rule.ts).
 */
export async function lookup(
  tiers: readonly Tier[],
  keys: readonly string[],
  from: number,
  now: number,
  checkTags: TagCheck,
): Promise<LookupResult> {
  const hits = new Map<string, Hit>()
  // Most reads meet neither a stale entry nor a tombstone: those maps are made on first use.
  let stale: Map<string, Hit> | undefined
  let floors: Map<string, number> | undefined
  let seen: Map<string, number> | undefined
  let pending = keys
  for (let tierIndex = from; tierIndex < tiers.length && pending.length > 0; tierIndex++) {
    const hitsBefore = hits.size
    const read = await (tiers[tierIndex] as Tier).read(pending, now)
    let tagged: [string, Hit][] | undefined
    for (let i = 0; i < pending.length; i++) {
      const stored = read.entries[i]
      if (stored === undefined) continue
      const key = pending[i] as string
      const { entry } = stored
      const floor = floors?.get(key)
      if (floor !== undefined && entry.version < floor) continue
      const verdict = judge(entry, now)
      if (verdict === 'tombstone') {
        floors ??= new Map()
        floors.set(key, entry.version)
        seen = noteSeen(seen, key, entry.version)
        continue
      }
      if (verdict !== 'fresh') seen = noteSeen(seen, key, entry.version)
      if (verdict === 'expired' || (verdict === 'stale' && stale?.has(key))) continue
      const hit = { stored, tierIndex }
      if (needsTagCheck(entry, verdict)) {
        tagged ??= []
        tagged.push([key, hit])
      } else if (verdict === 'fresh') hits.set(key, hit)
      else {
        stale ??= new Map()
        stale.set(key, hit)
      }
    }
    if (tagged !== undefined) {
      const valid = await checkTags(tagged.map(([, hit]) => hit.stored.entry))
      tagged.forEach(([key, hit], i) => {
        const { entry } = hit.stored
        const verdict = judge(entry, now, valid[i] === true)
        if (verdict === 'invalidated') {
          seen = noteSeen(seen, key, entry.version)
          return
        }
        if (verdict === 'fresh') hits.set(key, hit)
        else {
          stale ??= new Map()
          stale.set(key, hit)
        }
      })
    }
    const found = hits.size - hitsBefore
    if (found === pending.length) pending = NO_KEYS
    else if (found > 0) pending = pending.filter((key) => !hits.has(key))
  }
  return { hits, stale: stale ?? NOTHING_STALE, missing: pending, ...(seen ? { seen } : {}) }
}

/**
 * {@link lookup} for one key (every single-key read: `getOrLoad`, `get`, `has`, lease waits), by the same
 * rules: it stops at the first fresh entry, and allocates only its answer. The answer goes to `use`,
 * whose result the returned promise resolves with: a `.then` on the answer would cost every Redis hit
 * one more promise and microtask.
 *
 * `together`: every tier is asked at once, and their answers are then weighed in tier order exactly as
 * when asked one by one; the answers of tiers after the first fresh entry go unused. `watcher` hears
 * the answer first (with `observedAt`, the time the read started).
 */
export async function lookupKey<R>(
  tiers: readonly Tier[],
  key: string,
  from: number,
  now: number,
  checkTags: TagCheck,
  use: (found: KeyLookup) => R | PromiseLike<R>,
  together = false,
  watcher?: KeyReadWatcher,
  observedAt = 0,
): Promise<R> {
  let stale: Hit | undefined
  // Versions below a tombstone seen in a faster tier are hidden.
  let floor = Number.NEGATIVE_INFINITY
  let seen = 0
  const reads = together && tiers.length - from > 1 ? readAll(tiers, key, from, now) : undefined
  for (let tierIndex = from; tierIndex < tiers.length; tierIndex++) {
    const read = await (reads?.[tierIndex - from] ?? (tiers[tierIndex] as Tier).read([key], now))
    const stored = read.entries[0]
    if (stored === undefined) continue
    const { entry } = stored
    if (entry.version < floor) continue
    const verdict = judge(entry, now)
    if (verdict === 'tombstone') {
      floor = entry.version
      if (entry.version > seen) seen = entry.version
      continue
    }
    if (verdict !== 'fresh' && entry.version > seen) seen = entry.version
    if (verdict === 'expired' || (verdict === 'stale' && stale !== undefined)) continue
    if (needsTagCheck(entry, verdict)) {
      const valid = (await checkTags([entry]))[0] === true
      if (judge(entry, now, valid) === 'invalidated') {
        if (entry.version > seen) seen = entry.version
        continue
      }
    }
    const hit = { stored, tierIndex }
    if (verdict === 'fresh') return answer(key, { hit, stale, seen }, from, now, use, watcher, observedAt)
    stale = hit
  }
  return answer(key, { hit: undefined, stale, seen }, from, now, use, watcher, observedAt)
}

/** Tells `watcher`, then hands `found` to `use`. */
function answer<R>(
  key: string,
  found: KeyLookup,
  from: number,
  now: number,
  use: (found: KeyLookup) => R | PromiseLike<R>,
  watcher: KeyReadWatcher | undefined,
  observedAt: number,
): R | PromiseLike<R> {
  watcher?.keyRead(key, found, from, now, observedAt)
  return use(found)
}

/** Asks every tier from `from` on for `key` at once; an answer nobody awaits cannot reject unhandled. */
function readAll(
  tiers: readonly Tier[],
  key: string,
  from: number,
  now: number,
): (Promise<TierRead> | TierRead)[] {
  const reads: (Promise<TierRead> | TierRead)[] = []
  for (let tierIndex = from; tierIndex < tiers.length; tierIndex++) {
    const read = (tiers[tierIndex] as Tier).read([key], now)
    if (read instanceof Promise) read.catch(ignore)
    reads.push(read)
  }
  return reads
}

function ignore(): void {}

/**
 * The back-fills a set of hits calls for: each hit is written into every tier above the one that
 * had it, with the version it already carries (so a newer value there is never overwritten).
 * Returns one list of fills per tier index, or none at all when every hit came from the first tier
 * (every read of a stack without a memory tier): that case allocates nothing.
 */
export function backfillsFor(
  hits: Iterable<readonly [string, Hit]>,
  tierCount: number,
  observedAt: number,
): Fill[][] {
  let perTier: Fill[][] | undefined
  for (const [key, { stored, tierIndex }] of hits) {
    if (tierIndex === 0) continue
    perTier ??= Array.from({ length: tierCount }, () => [])
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
  return perTier ?? []
}

/** Records `version` as seen for `key` if newest; the map is made on first use (most reads need none). */
function noteSeen(seen: Map<string, number> | undefined, key: string, version: number): Map<string, number> {
  const map = seen ?? new Map<string, number>()
  if (version > (map.get(key) ?? 0)) map.set(key, version)
  return map
}
