import type { Clock } from '../../src/index.js'

/**
 * A clock tests move by hand (cache option `clock`): time stands still until {@link advance}, so a
 * test that an entry goes stale advances past its fresh period instead of sleeping through it.
 *
 * `now()` starts at the real time (entries written to Redis get sensible times) and moves only when
 * advanced. `monotonic()` keeps running in real time, plus what was advanced: the cache compares its
 * readings to order events (a read before a fence, a load before a reconnection), which a clock
 * standing still would make simultaneous.
 *
 * The invalidation bus judges its heartbeats by this clock too: advancing a cache that has a bus by
 * more than the heartbeat timeout is, to it, an outage (its memory tier stops serving until a
 * heartbeat comes back).
 */
export class ManualClock implements Clock {
  private advancedMs = 0
  private readonly startedAt: number

  constructor(startedAt = Date.now()) {
    this.startedAt = startedAt
  }

  now(): number {
    return this.startedAt + this.advancedMs
  }

  monotonic(): number {
    return performance.now() + this.advancedMs
  }

  /** Moves time on by `ms` (at least 0). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new Error(`a clock only moves forward; got ${ms}`)
    this.advancedMs += ms
  }
}
