import type { Trace } from './trace.js'

/**
 * Belady's optimal hit count for a cache of `capacity` entries, computed offline: on a miss with
 * the cache full, evict the entry whose next use is farthest away, which may be the newcomer itself
 * (it then bypasses the cache). Next uses come from one backward pass; the farthest entry from a
 * max-heap with lazy deletion. O(n log n) for n accesses.
 */
export function optimalHits(trace: Trace, capacity: number): number {
  return replayOptimal(trace, capacity, undefined)
}

/** Which accesses {@link optimalHits} counts as hits: 1 at each. */
export function optimalHitMap(trace: Trace, capacity: number): Uint8Array {
  const hitAt = new Uint8Array(trace.ids.length)
  replayOptimal(trace, capacity, hitAt)
  return hitAt
}

function replayOptimal(trace: Trace, capacity: number, hitAt: Uint8Array | undefined): number {
  const { ids } = trace
  const nextUse = nextUses(ids, trace.keys.length)
  const cachedNext = new Float64Array(trace.keys.length).fill(-1)
  const heap = new MaxHeap(ids.length)
  let cached = 0
  let hits = 0
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as number
    const next = nextUse[i] as number
    if (cachedNext[id] !== -1) {
      hits++
      if (hitAt !== undefined) hitAt[i] = 1
    } else {
      cached++
    }
    cachedNext[id] = next
    heap.push(next, id)
    while (cached > capacity) {
      const [farthest, victim] = heap.pop()
      // Entries whose key was used again since they were pushed are stale: skip them.
      if (cachedNext[victim] !== farthest) continue
      cachedNext[victim] = -1
      cached--
    }
  }
  return hits
}

/** For each access, the index of the next access to the same key (or Infinity-like `length + id`). */
function nextUses(ids: Uint32Array, keyCount: number): Float64Array {
  const nextUse = new Float64Array(ids.length)
  const upcoming = new Float64Array(keyCount).fill(-1)
  for (let i = ids.length - 1; i >= 0; i--) {
    const id = ids[i] as number
    const seen = upcoming[id] as number
    // Never used again: farther than any real index; distinct per key so stale checks stay exact.
    nextUse[i] = seen === -1 ? ids.length + id : seen
    upcoming[id] = i
  }
  return nextUse
}

/** A binary max-heap of (priority, id) pairs in typed arrays. */
class MaxHeap {
  private readonly priorities: Float64Array
  private readonly ids: Uint32Array
  private length = 0

  constructor(capacity: number) {
    this.priorities = new Float64Array(capacity)
    this.ids = new Uint32Array(capacity)
  }

  push(priority: number, id: number): void {
    let at = this.length++
    while (at > 0) {
      const parent = (at - 1) >>> 1
      if ((this.priorities[parent] as number) >= priority) break
      this.priorities[at] = this.priorities[parent] as number
      this.ids[at] = this.ids[parent] as number
      at = parent
    }
    this.priorities[at] = priority
    this.ids[at] = id
  }

  pop(): [number, number] {
    const top: [number, number] = [this.priorities[0] as number, this.ids[0] as number]
    const last = --this.length
    const priority = this.priorities[last] as number
    const id = this.ids[last] as number
    let at = 0
    for (;;) {
      let child = 2 * at + 1
      if (child >= last) break
      if (child + 1 < last && (this.priorities[child + 1] as number) > (this.priorities[child] as number))
        child++
      if ((this.priorities[child] as number) <= priority) break
      this.priorities[at] = this.priorities[child] as number
      this.ids[at] = this.ids[child] as number
      at = child
    }
    this.priorities[at] = priority
    this.ids[at] = id
    return top
  }
}
