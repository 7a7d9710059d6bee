/**
 * The consistency checker's verdict, computed from what every worker logged. Times are epoch
 * milliseconds (high resolution) taken with the same clock on one machine.
 */

/** A read of one product: the version it returned and when the read started. */
export interface ReadRecord {
  readonly key: string
  readonly version: number
  readonly startedAt: number
}

/** A product update: the version the database committed, and when the cache operation resolved. */
export interface WriteRecord {
  readonly key: string
  readonly version: number
  readonly acknowledgedAt: number
}

/** When a process applied an invalidation of a key that another process wrote. */
export interface ReceiptRecord {
  readonly key: string
  readonly worker: number
  readonly at: number
}

export interface Verdict {
  readonly reads: number
  readonly writes: number
  /** Reads that returned a version older than one acknowledged more than `boundMs` before they started. */
  readonly staleBeyondBound: number
  /** Reads older than an acknowledged version, but within the bound (the propagation window). */
  readonly staleWithinBound: number
  /** The longest time a read started after a newer version had been acknowledged (0 if none). */
  readonly maxStalenessMs: number
  readonly examples: readonly string[]
}

/**
 * For each read, finds the newest version of its key acknowledged before the read started; the read
 * is stale if it returned an older one, and stale beyond the bound if that newer version was
 * acknowledged more than `boundMs` before the read began.
 */
export function checkReads(
  reads: readonly ReadRecord[],
  writes: readonly WriteRecord[],
  boundMs: number,
): Verdict {
  const byKey = new Map<string, WriteRecord[]>()
  for (const write of writes) {
    const list = byKey.get(write.key)
    if (list) list.push(write)
    else byKey.set(write.key, [write])
  }
  // Per key: writes by acknowledgement time, with the highest version acknowledged so far.
  const timelines = new Map<string, { at: number[]; newest: number[] }>()
  for (const [key, list] of byKey) {
    list.sort((a, b) => a.acknowledgedAt - b.acknowledgedAt)
    const at: number[] = []
    const newest: number[] = []
    let highest = Number.NEGATIVE_INFINITY
    for (const write of list) {
      highest = Math.max(highest, write.version)
      at.push(write.acknowledgedAt)
      newest.push(highest)
    }
    timelines.set(key, { at, newest })
  }
  let staleBeyondBound = 0
  let staleWithinBound = 0
  let maxStalenessMs = 0
  const examples: string[] = []
  for (const read of reads) {
    const timeline = timelines.get(read.key)
    if (!timeline) continue
    const index = lastAtOrBefore(timeline.at, read.startedAt)
    if (index < 0 || (timeline.newest[index] as number) <= read.version) continue
    // The earliest acknowledgement of a version newer than the one read (`newest` never decreases).
    const first = firstAbove(timeline.newest, read.version)
    const staleness = read.startedAt - (timeline.at[first] as number)
    maxStalenessMs = Math.max(maxStalenessMs, staleness)
    if (staleness > boundMs) {
      staleBeyondBound++
      if (examples.length < 5) {
        examples.push(
          `${read.key}: read v${read.version} ${staleness.toFixed(1)} ms after v${timeline.newest[first]} was acknowledged`,
        )
      }
    } else {
      staleWithinBound++
    }
  }
  return {
    reads: reads.length,
    writes: writes.length,
    staleBeyondBound,
    staleWithinBound,
    maxStalenessMs,
    examples,
  }
}

function firstAbove(sorted: readonly number[], value: number): number {
  let low = 0
  let high = sorted.length
  while (low < high) {
    const middle = (low + high) >> 1
    if ((sorted[middle] as number) <= value) low = middle + 1
    else high = middle
  }
  return low
}

function lastAtOrBefore(sorted: readonly number[], time: number): number {
  let low = 0
  let high = sorted.length - 1
  let found = -1
  while (low <= high) {
    const middle = (low + high) >> 1
    if ((sorted[middle] as number) <= time) {
      found = middle
      low = middle + 1
    } else {
      high = middle - 1
    }
  }
  return found
}

/**
 * Propagation delay: for each write, how long after the cache call (set or delete) resolved each other
 * worker applied the invalidation of that key (its first receipt at or after the write's start).
 * Negative values mean the other process heard of it before the writer's call returned.
 */
export function propagationDelays(
  writes: readonly (WriteRecord & { readonly worker: number; readonly startedAt: number })[],
  receipts: readonly ReceiptRecord[],
  workers: number,
): number[] {
  const byWorkerKey = new Map<string, number[]>()
  for (const receipt of receipts) {
    const id = `${receipt.worker}\u0000${receipt.key}`
    const list = byWorkerKey.get(id)
    if (list) list.push(receipt.at)
    else byWorkerKey.set(id, [receipt.at])
  }
  for (const list of byWorkerKey.values()) list.sort((a, b) => a - b)
  const delays: number[] = []
  for (const write of writes) {
    for (let worker = 0; worker < workers; worker++) {
      if (worker === write.worker) continue
      const list = byWorkerKey.get(`${worker}\u0000${write.key}`)
      if (!list) continue
      const index = firstAtOrAfter(list, write.startedAt)
      if (index < list.length) delays.push((list[index] as number) - write.acknowledgedAt)
    }
  }
  return delays
}

function firstAtOrAfter(sorted: readonly number[], time: number): number {
  let low = 0
  let high = sorted.length
  while (low < high) {
    const middle = (low + high) >> 1
    if ((sorted[middle] as number) < time) low = middle + 1
    else high = middle
  }
  return low
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number
}
