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

/**
 * The shortest window, in time and in requests served: the last window is compared with the one
 * before it. Counted in requests as well because the tiers fill per request, not per second: on a
 * starved machine a time window sees few requests, and shares that barely move in it have not settled.
 */
export const SETTLE_WINDOW_MS = 1500
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
 * {@link SETTLE_RATE_CHANGE}. Each window spans at least {@link SETTLE_WINDOW_MS} and `windowRequests`
 * requests served. Without the cache both shares stay 0 and only throughput counts.
 */
export function hasSettled(samples: readonly SettleSample[], windowRequests: number): boolean {
  const end = samples.at(-1)
  const middle = end && windowStart(samples, end, windowRequests)
  const start = middle && windowStart(samples, middle, windowRequests)
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

/** The latest sample at least a window (in time and in requests) before `end`. */
function windowStart(
  samples: readonly SettleSample[],
  end: SettleSample,
  windowRequests: number,
): SettleSample | undefined {
  return samples.findLast(
    (sample) => sample.atMs <= end.atMs - SETTLE_WINDOW_MS && sample.served <= end.served - windowRequests,
  )
}
