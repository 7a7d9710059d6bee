import type { CacheEvents } from '../../cache-events.js'
import type { Clock } from '../../clock.js'
import type { BreakerState } from '../../types/tier-state.js'
import { type BreakerOptions, CircuitBreaker, isReplyError } from '../circuit-breaker.js'
import type { TierCounters } from '../tier-counters.js'
import type { RedisConnection } from './connection.js'
import { TierTimeoutError, withDeadline } from './deadline.js'

/** What a guarded round trip returns when it did not get an answer. */
export const NO_ANSWER = Symbol('no answer')
export type NoAnswer = typeof NO_ANSWER

/**
 * Every round trip of a Redis tier goes through {@link call}: skipped while disconnected, while the
 * circuit breaker is open or while the tier is out of service (recovering), bounded by the tier's
 * timeout, and counted and reported when it fails.
 */
export class TierGuard {
  readonly breaker: CircuitBreaker | undefined
  /** False while disconnected, while the breaker is open, and until a recovery's replay is done. */
  inService = false
  private disposed = false
  private lastFailureAt = 0

  constructor(
    private readonly name: string,
    private readonly timeoutMs: number,
    private readonly counters: TierCounters,
    private readonly events: CacheEvents,
    breaker: BreakerOptions | undefined,
    probe: () => Promise<boolean>,
    onBreakerChange: (state: BreakerState) => void,
    private readonly clock: Clock,
  ) {
    this.breaker = breaker
      ? new CircuitBreaker(
          breaker,
          probe,
          (state) => {
            if (state === 'open') this.inService = false
            onBreakerChange(state)
          },
          clock,
        )
      : undefined
  }

  /**
   * True within one timeout of a failure. Optional requests on a caller's path (the clock, a lease) are
   * not sent then: the caller would wait a second timeout for a server that just did not answer.
   */
  failedRecently(): boolean {
    return this.clock.now() - this.lastFailureAt < this.timeoutMs
  }

  /**
   * One guarded round trip: skipped (counted) while the connection is down or the breaker is open;
   * bounded by the tier timeout; a failure is counted, reported, and fed to the breaker unless the
   * server answered with an error reply (then it is up, just refusing).
   */
  async call<T>(
    operation: string,
    connection: RedisConnection,
    run: () => Promise<T>,
    recovery = false,
  ): Promise<T | NoAnswer> {
    // During recovery only the replay gets through; otherwise the tier must be in service and the breaker closed.
    if (this.disposed) return NO_ANSWER // closed: a late lease release or fill must not reach the client
    if (!connection.isReady() || (!recovery && (!this.inService || !(this.breaker?.allow() ?? true)))) {
      this.counters.skipped++
      return NO_ANSWER
    }
    try {
      const result = await withDeadline(
        run(),
        this.timeoutMs,
        () => new TierTimeoutError(this.name, operation, this.timeoutMs),
      )
      this.breaker?.success()
      return result
    } catch (error) {
      this.counters.errors++
      if (isReplyError(error)) this.breaker?.success()
      else {
        this.lastFailureAt = this.clock.now()
        this.breaker?.failure()
      }
      this.events.report('tierError', { tier: this.name, operation, error })
      return NO_ANSWER
    }
  }

  /** Does the server answer a PING within the timeout (an error reply counts: it is up)? */
  async ping(connection: RedisConnection): Promise<boolean> {
    if (!connection.isReady()) return false
    try {
      await withDeadline(
        connection.send(['PING']),
        this.timeoutMs,
        () => new TierTimeoutError(this.name, 'probe', this.timeoutMs),
      )
      return true
    } catch (error) {
      return isReplyError(error)
    }
  }

  dispose(): void {
    this.disposed = true
    this.breaker?.dispose()
  }
}
