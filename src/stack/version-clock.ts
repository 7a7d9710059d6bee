/**
 * Where versions come from.
 *
 * With a Redis tier, the coordinating tier issues them inside Lua scripts from Redis TIME (µs), kept
 * strictly increasing by a clock key: every version issued (by a set or delete) is greater than every
 * clock value a read returned before it. A load uses the clock value seen by the read that missed as
 * its *start version*; its fill is refused wherever a newer version (a later set, or a delete's
 * tombstone) is already stored. No process's own clock takes part.
 *
 * Without a reachable coordinator (none configured, or it is down) this process's clock stands in for
 * sets and deletes, in the same unit, never going backwards and never below a clock value observed
 * from Redis. Load start versions then fall back to the highest clock seen, which errs towards
 * refusing a fill (a missed cache write) rather than accepting a stale one.
 */
export class VersionClock {
  private highest = 0

  /** Records a clock value read from the coordinator. */
  observe(clock: number): void {
    if (clock > this.highest) this.highest = clock
  }

  /** The highest clock value observed from the coordinator (or issued locally); 0 before any. */
  get highestSeen(): number {
    return this.highest
  }

  /**
   * A local version greater than any issued or observed so far: wall-clock microseconds, the unit of
   * Redis TIME, so versions issued while the coordinator is unreachable still order sensibly against
   * the ones it issued before and will issue after (to within the clocks' skew).
   */
  next(): number {
    const now = Date.now() * 1000
    this.highest = now > this.highest ? now : this.highest + 1
    return this.highest
  }
}
