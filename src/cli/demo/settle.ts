/**
 * When the warm-up is over: the demo measures only once the tiers' share of the requests has stopped
 * moving, so that its figures describe the cache at steady state rather than a cold start.
 */

/** Counters summed over the readers, cumulative, at one sample. */
export interface SettleSample {
  readonly atMs: number
  readonly served: number
  readonly dbReads: number
  readonly memory: number
}

/** Samples per window; the last window is compared with the one before it. */
export const SETTLE_WINDOW = 3
/** Largest change, in points of all requests served, in the share answered without the database or by memory. */
export const SETTLE_SHARE_POINTS = 0.02
/** Largest relative change in requests served per second. */
export const SETTLE_RATE_CHANGE = 0.15

interface Window {
  readonly perSecond: number
  readonly withoutDatabase: number
  readonly fromMemory: number
}

function windowOf(from: SettleSample, to: SettleSample): Window | undefined {
  const served = to.served - from.served
  const seconds = (to.atMs - from.atMs) / 1000
  if (served <= 0 || seconds <= 0) return undefined
  return {
    perSecond: served / seconds,
    withoutDatabase: 1 - (to.dbReads - from.dbReads) / served,
    fromMemory: (to.memory - from.memory) / served,
  }
}

/**
 * Whether the last two windows of samples agree: the share of requests answered without the database
 * and by the memory tier within {@link SETTLE_SHARE_POINTS}, the throughput within
 * {@link SETTLE_RATE_CHANGE}. Without the cache both shares stay 0 and only throughput counts.
 */
export function hasSettled(samples: readonly SettleSample[]): boolean {
  const n = samples.length
  const [start, middle, end] = [
    samples[n - 1 - 2 * SETTLE_WINDOW],
    samples[n - 1 - SETTLE_WINDOW],
    samples[n - 1],
  ]
  if (!start || !middle || !end) return false
  const before = windowOf(start, middle)
  const after = windowOf(middle, end)
  if (!before || !after) return false
  return (
    Math.abs(after.withoutDatabase - before.withoutDatabase) <= SETTLE_SHARE_POINTS &&
    Math.abs(after.fromMemory - before.fromMemory) <= SETTLE_SHARE_POINTS &&
    Math.abs(after.perSecond - before.perSecond) <= SETTLE_RATE_CHANGE * before.perSecond
  )
}
