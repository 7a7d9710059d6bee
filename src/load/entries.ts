import { serializeOrThrow } from '../codec/serializer.js'
import type { Entry } from '../entry.js'
import type { ResolvedCacheOptions, ResolvedWriteOptions } from '../options.js'
import type { TierStack } from '../stack/tier-stack.js'
import type { Fill, LeaseHandoff } from '../tiers/tier.js'
import type { Flight } from './flights.js'

/**
 * A new entry for `value`: fresh for the TTL (null values: the negative TTL), shortened by jitter,
 * then stale for the grace period. Tagged entries live no longer than their tags' invalidations are
 * remembered.
 */
export function makeEntry(
  value: unknown,
  version: number,
  options: ResolvedWriteOptions,
  now: number,
  cache: ResolvedCacheOptions,
): Entry {
  let ttl = value === null ? options.negativeTtlMs : options.ttlMs
  // At least 1 ms: an entry written for no time at all would not replace the value before it.
  if (cache.jitter > 0) ttl = Math.max(1, Math.floor(ttl * (1 - cache.jitter * Math.random())))
  let freshUntil = now + ttl
  let staleUntil = freshUntil + options.graceMs
  if (options.tags.length > 0) {
    staleUntil = Math.min(staleUntil, now + cache.tagTtlMs)
    freshUntil = Math.min(freshUntil, staleUntil)
  }
  return { value, version, createdAt: now, freshUntil, staleUntil, tags: options.tags, tombstone: false }
}

/** A loaded key and value, with the write options its loader chose for it if they differ from the call's. */
export type LoadedValue = readonly [key: string, value: unknown, options?: ResolvedWriteOptions]

/**
 * Writes loaded values to every tier with the version taken when the load started. A tier that has
 * since seen a delete or a newer set refuses it; this process's memory tier skips keys invalidated
 * while their load ran, and loads older than `tombstoneTtl` write nothing (their tombstones may be
 * gone). Serializes before anything is written, so an unencodable value throws and changes nothing.
 * The memory tiers are written at once; the returned `done` settles when the shared tiers are.
 * `lease` goes with the fill of its key, for the coordinator to release along with its write.
 */
export function fillLoaded(
  stack: TierStack,
  cache: ResolvedCacheOptions,
  loaded: readonly LoadedValue[],
  startVersion: number,
  options: ResolvedWriteOptions,
  flights: readonly Pick<Flight, 'key' | 'invalidated' | 'startedAt'>[],
  lease?: LeaseHandoff,
): Filling {
  const observedAt = flights.reduce(
    (min, flight) => Math.min(min, flight.startedAt),
    Number.POSITIVE_INFINITY,
  )
  const { clock } = cache
  if (clock.monotonic() - observedAt > cache.tombstoneTtlMs) return { done: Promise.resolve(), fills: [] }
  const now = clock.now()
  const fills: Fill[] = loaded.map(([key, value, own]) => ({
    key,
    entry: makeEntry(value, startVersion, own ?? options, now, cache),
    payload: serializeOrThrow(cache.serializer, value, key, cache.maxValueBytes),
    versioning: 'given',
    observedAt,
    lease: lease?.key === key ? lease : undefined,
  }))
  const invalidated = new Set<string>()
  for (const flight of flights) if (flight.invalidated) invalidated.add(flight.key)
  const local = invalidated.size === 0 ? fills : fills.filter((fill) => !invalidated.has(fill.key))
  return { done: stack.track(stack.writeGiven(fills, now, local)), fills }
}

/** What {@link fillLoaded} started: the shared tiers' writes, and the fills (in the order loaded). */
export interface Filling {
  /** Settles (never rejects) when the shared tiers hold the values. */
  readonly done: Promise<void>
  /** Empty when the load was too old to fill anything. */
  readonly fills: readonly Fill[]
}

/** The entry to serve stale: the newest of the candidates still within grace. */
export function newestServable(now: number, ...candidates: (Entry | undefined)[]): Entry | undefined {
  let best: Entry | undefined
  for (const entry of candidates) {
    if (entry && !entry.tombstone && now < entry.staleUntil && (!best || entry.version > best.version))
      best = entry
  }
  return best
}

/** Whether a fresh entry is in the last `fraction` of its fresh period (time to refresh it ahead). */
export function dueForRefresh(entry: Entry, now: number, fraction: number): boolean {
  return fraction > 0 && now >= entry.freshUntil - (entry.freshUntil - entry.createdAt) * fraction
}
