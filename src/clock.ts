import { SMI_MAX } from './v8-layout.js'

/**
 * The clock of the L1 fast path. `Date.now()` costs about as much as the rest of a memory-tier hit, so
 * one reading is shared by the reads that follow it until the event loop turns (a `setImmediate`
 * clears it) or {@link READS_PER_READING} reads have used it, whichever comes first.
 *
 * The cost is a bounded lag: an entry can be served fresh until the end of the event-loop turn in
 * which it expires (and never for more than that many further reads). Slower paths (tier reads,
 * loads, writes) read `Date.now()` themselves.
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
