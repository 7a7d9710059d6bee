/** Slots per bucket: a new hash replaces the oldest of its bucket's four. */
const WAYS = 4
/** Slots per hash remembered: twice as many, so that few hashes are pushed out before their turn. */
const SLOTS_PER_HASH = 2
const MIN_SLOTS = 16

/**
 * The hashes of the last `capacity` keys added, as S3-FIFO's ghost queue keeps them: `take` finds a
 * hash added at most `capacity` additions ago. Kept in typed arrays rather than a Map, so that adding
 * and finding cost a few array reads and no allocation: a set-associative table (four slots per
 * bucket) of hashes and the sequence number each was added at. A hash whose bucket is full replaces
 * the oldest of the four, so an old hash may be forgotten a little early; a hash older than
 * `capacity` additions is ignored, which is what makes the table a queue. 12 bytes per slot, two
 * slots per hash remembered.
 */
export class GhostQueue {
  /** How many of the latest additions are remembered. */
  capacity = 1
  private hashes = new Int32Array(MIN_SLOTS)
  private added = new Float64Array(MIN_SLOTS).fill(Number.NEGATIVE_INFINITY)
  private additions = 0

  add(hash: number): void {
    if (this.hashes.length < this.capacity * SLOTS_PER_HASH) this.grow()
    const first = this.bucketOf(hash, this.hashes.length)
    let oldest = first
    for (let slot = first; slot < first + WAYS; slot++) {
      if (this.hashes[slot] === hash) {
        oldest = slot
        break
      }
      if ((this.added[slot] as number) < (this.added[oldest] as number)) oldest = slot
    }
    this.hashes[oldest] = hash
    this.added[oldest] = this.additions++
  }

  /** True (and forgets the hash) when it was added at most `capacity` additions ago. */
  take(hash: number): boolean {
    const first = this.bucketOf(hash, this.hashes.length)
    for (let slot = first; slot < first + WAYS; slot++) {
      if (this.hashes[slot] === hash && (this.added[slot] as number) >= this.additions - this.capacity) {
        this.added[slot] = Number.NEGATIVE_INFINITY
        return true
      }
    }
    return false
  }

  clear(): void {
    this.hashes = new Int32Array(MIN_SLOTS)
    this.added = new Float64Array(MIN_SLOTS).fill(Number.NEGATIVE_INFINITY)
    this.additions = 0
  }

  /** Doubles the table, keeping what it remembers (in the order it was added, so ages are kept). */
  private grow(): void {
    const hashes = this.hashes
    const added = this.added
    const length = Math.max(MIN_SLOTS, hashes.length * 2)
    this.hashes = new Int32Array(length)
    this.added = new Float64Array(length).fill(Number.NEGATIVE_INFINITY)
    for (let slot = 0; slot < hashes.length; slot++) {
      const when = added[slot] as number
      if (when === Number.NEGATIVE_INFINITY) continue
      const hash = hashes[slot] as number
      const first = this.bucketOf(hash, length)
      let free = first
      while ((this.added[free] as number) !== Number.NEGATIVE_INFINITY) free++
      this.hashes[free] = hash
      this.added[free] = when
    }
  }

  /** First slot of the hash's bucket in a table of `length` slots (a power of two). */
  private bucketOf(hash: number, length: number): number {
    return hash & (length - WAYS)
  }
}
