/**
 * Adaptive sizing of W-TinyLFU's admission window, as Caffeine does it: after each sample of
 * requests, compare the hit rate with the previous sample's and keep stepping the window share
 * in the direction that helped, reversing when it hurt. Steps shrink geometrically while the hit
 * rate is stable and restart at full size when it moves by more than 5 points (a new workload).
 */
export class HillClimber {
  private hits = 0
  private misses = 0
  private previousHitRate = 0
  /** Signed share of the capacity to move next; starts by shrinking the window. */
  private step = -STEP_SHARE

  constructor(public sampleSize: number) {}

  recordHit(): void {
    this.hits++
  }

  recordMiss(): void {
    this.misses++
  }

  /** True when a full sample has been seen and {@link adjustment} should be asked. */
  get sampleComplete(): boolean {
    return this.hits + this.misses >= this.sampleSize
  }

  /** Ends the sample and returns how much of the capacity to move into (+) or out of (-) the window. */
  adjustment(): number {
    const requests = this.hits + this.misses
    const hitRate = requests === 0 ? 0 : this.hits / requests
    const change = hitRate - this.previousHitRate
    const amount = change >= 0 ? this.step : -this.step
    this.step =
      Math.abs(change) >= RESTART_THRESHOLD ? STEP_SHARE * Math.sign(amount || 1) : amount * STEP_DECAY
    this.previousHitRate = hitRate
    this.hits = 0
    this.misses = 0
    return amount
  }

  /** Forgets the samples seen so far (the cache was cleared). */
  reset(): void {
    this.hits = 0
    this.misses = 0
    this.previousHitRate = 0
    this.step = -STEP_SHARE
  }
}

/** First step: 6.25 % of the capacity. */
const STEP_SHARE = 0.0625
/** Each step is 98 % of the previous one while the hit rate changes little. */
const STEP_DECAY = 0.98
/** A hit-rate change of 5 points or more restarts the climb with a full step. */
const RESTART_THRESHOLD = 0.05
