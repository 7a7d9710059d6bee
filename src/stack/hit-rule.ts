import type { Entry } from '../entry.js'

/**
 * What an entry read from a tier is worth to a read:
 * - `fresh`: a hit;
 * - `stale`: past its fresh period but within grace, a fallback while it is reloaded;
 * - `tombstone`: a delete, which also hides older versions in slower tiers;
 * - `expired`: past grace;
 * - `invalidated`: fresh or stale, but one of its tags was invalidated after it was written.
 */
export type Verdict = 'fresh' | 'stale' | 'tombstone' | 'expired' | 'invalidated'

/**
 * The hit rule, the one every read path (memory fast path, single-key and many-key reads) decides by.
 * `tagsValid` is whether the entry's tags were all still valid when checked; it only matters for a
 * fresh or stale entry that carries tags. A read that cannot tell without I/O judges first with the
 * default, then, if {@link needsTagCheck} says so, again with the answer of its tag check.
 */
export function judge(entry: Entry, now: number, tagsValid = true): Verdict {
  if (entry.tombstone) return 'tombstone'
  const fresh = now < entry.freshUntil
  if (!fresh && now >= entry.staleUntil) return 'expired'
  if (!tagsValid && entry.tags.length > 0) return 'invalidated'
  return fresh ? 'fresh' : 'stale'
}

/** Whether a verdict reached without checking the entry's tags still depends on them. */
export function needsTagCheck(entry: Entry, verdict: Verdict): boolean {
  return entry.tags.length > 0 && (verdict === 'fresh' || verdict === 'stale')
}
