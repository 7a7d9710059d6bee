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
