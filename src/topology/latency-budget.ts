import type { Clock } from '../clock.js'
import { type BreakerOptions, CircuitBreaker } from '../tiers/circuit-breaker.js'
import { withDeadline } from '../tiers/redis/deadline.js'
import type { Tier, TierRead } from '../tiers/tier.js'
import type { BreakerState } from '../types/tier-state.js'

/** Figures of one level's latency budget, from `GeoCache.budgets()`. */
export interface BudgetStats {
  readonly tier: string
  readonly budgetMs: number
  /** Reads abandoned at the budget: the read went on to the next level. */
  readonly overBudget: number
  /** Reads that did not ask the level at all, because it kept exceeding its budget. */
  readonly skipped: number
  /** 'open' while the level is skipped; a PING within the budget closes it again. */
  readonly state: BreakerState
}

const NOTHING: TierRead = Object.freeze({ entries: Object.freeze([]) })

class BudgetTimeout extends Error {}

/**
 * A read budget for one level: a read that takes longer than `budgetMs` is answered "nothing here" so
 * the read path goes on to the next level at once (the round trip itself runs on and is discarded;
 * Redis has no cancel). A level that exceeds its budget `failureThreshold` times (default 3) within the
 * breaker window is skipped without waiting until a PING answers within the budget again — the tier's
 * own circuit breaker does the same for a level that does not answer at all. Writes are not budgeted:
 * they keep the tier's `timeout`, so invalidations still land on a slow level.
 */
export class LatencyBudget {
  overBudget = 0
  skipped = 0
  private readonly breaker: CircuitBreaker

  constructor(
    private readonly tier: Tier,
    readonly budgetMs: number,
    breaker: BreakerOptions,
    clock: Clock,
  ) {
    this.breaker = new CircuitBreaker(
      breaker,
      () => this.ping(),
      () => undefined,
      clock,
    )
  }

  /** Reads through the budget. */
  read(keys: readonly string[], now: number): Promise<TierRead> | TierRead {
    if (!this.breaker.allow()) {
      this.skipped++
      return NOTHING
    }
    return withDeadline(
      Promise.resolve(this.tier.read(keys, now)),
      this.budgetMs,
      () => new BudgetTimeout(),
    ).then(
      (read) => {
        this.breaker.success()
        return read
      },
      () => {
        this.overBudget++
        this.breaker.failure()
        return NOTHING
      },
    )
  }

  stats(): BudgetStats {
    return {
      tier: this.tier.name,
      budgetMs: this.budgetMs,
      overBudget: this.overBudget,
      skipped: this.skipped,
      state: this.breaker.state,
    }
  }

  dispose(): void {
    this.breaker.dispose()
  }

  /** The probe of a skipped level: does it answer a PING within the budget? */
  private async ping(): Promise<boolean> {
    const connection = (this.tier as { connection?: { send(args: string[]): Promise<unknown> } }).connection
    if (connection === undefined) return true
    try {
      await withDeadline(connection.send(['PING']), this.budgetMs, () => new BudgetTimeout())
      return true
    } catch {
      return false
    }
  }
}
