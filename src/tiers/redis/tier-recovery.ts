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

/** How recovery writes and clears: the tier's own operations, let through while out of service. */
export interface RecoveryActions {
  write(fill: Fill, now: number, recovery: true): Promise<WriteOutcome>
  clear(recovery: true): Promise<boolean>
}

/**
 * Brings a Redis tier back into service after an outage (a reconnect, or the breaker's probe
 * answering): first replays the sets and deletes it may not have (or clears the namespace if too many
 * were missed), and only then lets reads in, so it never serves a value one of those writes replaced.
 */
export class TierRecovery {
  readonly replay = new ReplayLog()
  private recovering: Promise<boolean> | undefined

  constructor(
    private readonly guard: TierGuard,
    private readonly actions: RecoveryActions,
    private readonly clock: Clock,
  ) {}

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

  private async replayUntilEmpty(): Promise<boolean> {
    for (let round = 0; round < 5; round++) {
      const { fills, overflowed } = this.replay.drain(this.clock.now())
      if (overflowed && !(await this.actions.clear(true))) return false
      if (fills.length === 0) break
      const outcomes = await Promise.all(
        fills.map((fill) => this.actions.write(fill, this.clock.now(), true)),
      )
      if (outcomes.includes(UNANSWERED)) return false
    }
    this.guard.inService = true
    // Writes skipped while the last round ran: replay them too (versioned, so late is still safe).
    if (this.replay.pending > 0) void this.returnToService()
    return true
  }
}
