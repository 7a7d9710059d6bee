/**
 * Window sizing from ghost hits, in the manner of ARC (Megiddo & Modha, 2003) applied to
 * W-TinyLFU's window/main split: the hashes of recently evicted keys are remembered, in one ghost
 * list for candidates that lost admission (window side) and one for victims evicted from the main
 * area. A miss on a key in the window ghost means a larger window would have hit, so the window
 * grows; a miss on a key in the main ghost means the main area was too small, so the window shrinks.
 * Each step is one entry, scaled by the ratio of the ghost lists' sizes as in ARC.
 *
 * On the short, recency-skewed traces we test with, this adapts faster and more steadily than
 * Caffeine's sampled hill climbing (see the hit-ratio table in the docs). Each ghost list holds
 * at most {@link GHOST_SHARE} of the entries held, as 32-bit hashes only.
 */
export class GhostFeedback {
  private readonly rejected = new GhostSet()
  private readonly evicted = new GhostSet()

  /** Remembers an evicted key: `fromWindow` when it was a candidate that lost admission. */
  recordEviction(hash: number, fromWindow: boolean): void {
    ;(fromWindow ? this.rejected : this.evicted).add(hash)
  }

  /**
   * On a miss (a new key stored), returns the share of the capacity to move into (+) or out of (-)
   * the window, or 0. `entries` is the number of entries held.
   */
  adjustmentOnMiss(hash: number, entries: number): number {
    const capacity = Math.max(1, Math.ceil(entries * GHOST_SHARE))
    this.rejected.capacity = capacity
    this.evicted.capacity = capacity
    if (this.rejected.take(hash))
      return Math.max(1, this.evicted.size / Math.max(1, this.rejected.size)) / entries
    if (this.evicted.take(hash))
      return -Math.max(1, this.rejected.size / Math.max(1, this.evicted.size)) / entries
    return 0
  }

  clear(): void {
    this.rejected.clear()
    this.evicted.clear()
  }
}

/** Each ghost list remembers at most this share of the entries held. */
export const GHOST_SHARE = 0.1

/** A bounded first-in-first-out set of key hashes. Grows with its capacity; O(1) per operation. */
class GhostSet {
  capacity = 1
  private hashes: number[] = []
  private sequences: number[] = []
  private readonly sequenceOf = new Map<number, number>()
  private cursor = 0
  private sequence = 0

  get size(): number {
    return this.sequenceOf.size
  }

  add(hash: number): void {
    const sequence = this.sequence++
    if (this.hashes.length < this.capacity) {
      this.hashes.push(hash)
      this.sequences.push(sequence)
    } else {
      const slot = this.cursor
      this.cursor = (slot + 1) % this.hashes.length
      const oldest = this.hashes[slot] as number
      // Only forget the oldest hash if it was not added again since.
      if (this.sequenceOf.get(oldest) === this.sequences[slot]) this.sequenceOf.delete(oldest)
      this.hashes[slot] = hash
      this.sequences[slot] = sequence
    }
    this.sequenceOf.set(hash, sequence)
  }

  /** True (and forgets the hash) when it is remembered. */
  take(hash: number): boolean {
    return this.sequenceOf.delete(hash)
  }

  clear(): void {
    this.hashes = []
    this.sequences = []
    this.sequenceOf.clear()
    this.cursor = 0
  }
}
