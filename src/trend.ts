/**
 * Which of two outcomes recent events mostly had: a score that counts up on one and down on the other,
 * held within ±`limit`, so that `limit` events in a row of either kind are enough to change its mind.
 * The read path uses it to guess, before a read, what the read will find (see stack/tier-stack.ts and load/loads.ts).
 */
export class Trend {
  private score = 0

  constructor(private readonly limit: number) {}

  /** Records one event: `up` for the outcome the trend watches for, else the other. */
  note(up: boolean): void {
    const score = this.score + (up ? 1 : -1)
    if (score >= -this.limit && score <= this.limit) this.score = score
  }

  /** Whether the watched outcome has been the more frequent one lately. */
  get rising(): boolean {
    return this.score > 0
  }
}
