import type { Clock } from '../../clock.js'
import type { Fill, WriteOutcome } from '../tier.js'
import { ReplayLog } from './replay-log.js'
import type { TierGuard } from './tier-guard.js'

/** The tier did not answer (or was skipped): the write is remembered for replay. */
export const UNANSWERED: WriteOutcome = Object.freeze({
  written: false,
  version: undefined,
  unanswered: true,
})

/** How recovery writes and clears: the tier's own operations, let through while out of service with `recovery`. */
export interface RecoveryActions {
  write(fills: readonly Fill[], now: number, recovery: boolean): Promise<WriteOutcome[]>
  clear(recovery: true): Promise<boolean>
}

/** Pause before writing again what a tier in service did not take: at once, then 50 ms doubling up to 1 s. */
function retryDelay(attempt: number): number {
  return attempt === 0 ? 0 : Math.min(50 * 2 ** (attempt - 1), 1000)
}

/**
 * Sees that a Redis tier holds every set and delete this process made:
 * - after an outage (a reconnect, or the breaker's probe answering) it first replays the writes the
 *   tier may not have (or clears the namespace if too many were missed), and only then lets reads in,
 *   so it never serves a value one of those writes replaced;
 * - a write the tier missed while in service (it timed out, the server refused it, or it was skipped
 *   just before the tier came back) is written again in the background until the tier takes it: other
 *   processes read this tier meanwhile, and no outage may come to replay it.
 */
export class TierRecovery {
  readonly replay = new ReplayLog()
  private recovering: Promise<boolean> | undefined
  private retryTimer: NodeJS.Timeout | undefined
  private retrying = false
  private retryAttempt = 0
  private disposed = false

  constructor(
    private readonly guard: TierGuard,
    private readonly actions: RecoveryActions,
    private readonly clock: Clock,
  ) {}

  /** A set or delete the tier did not take: replayed on its return to service, or soon if it is in service. */
  missed(fill: Fill): void {
    this.replay.missedWrite(fill)
    this.retrySoon()
  }

  /** Resolves false if the tier stopped answering again. */
  returnToService(): Promise<boolean> {
    if (this.replay.pending === 0 && this.replay.recentCount === 0) {
      this.guard.inService = true
      return Promise.resolve(true)
    }
    this.recovering ??= this.replayUntilEmpty().finally(() => {
      this.recovering = undefined
    })
    return this.recovering
  }

  /** Stops retrying (the tier is closing). */
  dispose(): void {
    this.disposed = true
    clearTimeout(this.retryTimer)
    this.retryTimer = undefined
  }

  private async replayUntilEmpty(): Promise<boolean> {
    for (let round = 0; round < 5; round++) {
      const { fills, overflowed } = this.replay.drain(this.clock.now())
      if (overflowed && !(await this.actions.clear(true))) return false
      if (fills.length === 0) break
      if (!(await this.writeAll(fills, true))) return false
    }
    this.guard.inService = true
    // Writes skipped while the last round ran, or recorded just after it.
    this.retrySoon()
    return true
  }

  /**
   * Schedules one background round of the missed writes while the tier is in service (out of service,
   * its return replays them); one round at a time, backing off while rounds fail.
   */
  private retrySoon(): void {
    if (this.disposed || this.retrying || this.retryTimer !== undefined) return
    if (!this.guard.inService || this.replay.pending === 0) return
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined
      void this.retryMissed()
    }, retryDelay(this.retryAttempt))
    this.retryTimer.unref()
  }

  private async retryMissed(): Promise<void> {
    if (this.disposed || this.recovering !== undefined || !this.guard.inService) return
    this.retrying = true
    // Nothing here may reject unhandled: a background round that throws counts as one that failed.
    const done = await this.writeMissed().catch(() => false)
    this.retrying = false
    this.retryAttempt = done ? 0 : this.retryAttempt + 1
    this.retrySoon()
  }

  /**
   * One round of {@link retryMissed}; false if the tier still did not take everything. One write goes
   * first, so that while the tier keeps refusing (or not answering) a round costs it one request.
   */
  private async writeMissed(): Promise<boolean> {
    const { fills, overflowed } = this.replay.drainMissed()
    // More were missed than remembered: the tier may hold any key's replaced value.
    if (overflowed && !(await this.actions.clear(true))) {
      this.replay.lostTrack()
      this.replay.requeue(fills)
      return false
    }
    const [first, ...rest] = fills
    if (first === undefined) return true
    if (!(await this.writeAll([first], false))) {
      // It goes back behind the others: one write the tier refuses for good must not hold them up.
      this.replay.requeue([...rest, first])
      return false
    }
    return this.writeAll(rest, false)
  }

  /** Writes `fills`; false if the tier did not answer for one of them. */
  private async writeAll(fills: readonly Fill[], recovery: boolean): Promise<boolean> {
    if (fills.length === 0) return true
    return !(await this.actions.write(fills, this.clock.now(), recovery)).includes(UNANSWERED)
  }
}
