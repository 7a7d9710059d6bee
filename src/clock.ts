import { SMI_MAX } from './v8-layout.js'

/**
 * Where a cache reads the time (cache option `clock`). Every decision about time reads it: entries'
 * fresh and stale periods, tombstones, leases waited for, fail-safe back-offs, the circuit breaker's
 * failure window and the invalidation bus's heartbeats and trust deadline. Timers (heartbeat
 * intervals, breaker probes, lease polls) still run in real time; what they find is judged by this clock.
 *
 * Inject one to test time-dependent behaviour without waiting, as tests do with a manual clock.
 * Redis tiers still expire keys by the server's clock; the cache decides with the times it stored in
 * each entry, read by this clock.
 */
export interface Clock {
  /** The current time in epoch milliseconds (what `Date.now()` returns). */
  now(): number
  /**
   * Milliseconds since an arbitrary origin that never go backwards (what `performance.now()` returns):
   * how long a load has run, and whether a read came before a fence or a reconnection.
   */
  monotonic(): number
}

/** The real clock: `Date.now()` and `performance.now()`. The default. */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  monotonic: () => performance.now(),
})

/**
 * The L1 fast path's reading of {@link systemClock}. `Date.now()` costs about as much as the rest of a
 * memory-tier hit, so one reading is shared by the reads that follow it until the event loop turns
 * (a `setImmediate` clears it) or {@link READS_PER_READING} reads have used it, whichever comes first.
 *
 * The cost is a bounded lag: an entry can be served fresh until the end of the event-loop turn in
 * which it expires (and never for more than that many further reads). Slower paths (tier reads,
 * loads, writes) read the cache's clock themselves; a cache given another clock reads that one here too.
 */
const READS_PER_READING = 1024

let reading = 0
let readsLeft = 0
let expiryScheduled = false

export function coarseNow(): number {
  // Kept tiny so that it inlines into the fast path; the rare case is a call.
  return readsLeft-- > 0 ? reading : read()
}

function read(): number {
  reading = Date.now()
  readsLeft = READS_PER_READING - 1
  if (!expiryScheduled) {
    expiryScheduled = true
    setImmediate(expire).unref()
  }
  return reading
}

function expire(): void {
  expiryScheduled = false
  readsLeft = 0
}

/*
 * Plain-until times (see SyncHit) are whole seconds since PLAIN_ORIGIN, rounded down. A number field
 * holding epoch milliseconds is a separate heap object (V8 boxes doubles stored in objects), so with
 * many entries reading it costs a hit one more cache miss; a whole number of seconds in the small
 * integer range is stored in the record itself. Rounding down only makes the fast path step aside up
 * to a second early: the slower path then decides with the entry's exact times.
 */
const PLAIN_ORIGIN = Date.UTC(2000, 0, 1)
/** A plain-until second earlier than any clock reading (1966 or earlier): the fast path never applies. */
export const NEVER_PLAIN = -SMI_MAX

/** The plain-until second for a time in epoch ms: the last whole second not later than it. */
export function plainSecond(epochMs: number): number {
  const second = Math.floor((epochMs - PLAIN_ORIGIN) / 1000)
  if (second >= NEVER_PLAIN && second <= SMI_MAX) return second
  // Beyond the small integers (after 2034 with pointer compression): still right, stored boxed.
  return second > SMI_MAX ? second : NEVER_PLAIN
}

/** Whether `now` (epoch ms) is before the plain-until second `second`. */
export function isBeforePlain(now: number, second: number): boolean {
  return now < PLAIN_ORIGIN + second * 1000
}
