import type { Fill, Tier, WriteOutcome } from '../tiers/tier.js'

/** How many unwritten fills an {@link IdleReport} lists (it counts them all). */
const MAX_LISTED = 1000

/** What `idle()` reports once the background writes it waited for have finished. */
export interface IdleReport {
  /**
   * Background fills (back-fills, and the fills of loads) that a tier did not answer in time (timed
   * out, disconnected, circuit open) since the previous `idle()`, as `{ tier, key }`: at most the first
   * 1,000. They are given up, not retried: such a key is loaded (or back-filled) again on its next
   * miss in that tier. A timed-out write may still have landed. Fills a tier refused because it held a
   * newer version are not listed; sets and deletes a tier missed are replayed when it is back.
   */
  readonly unwritten: readonly { readonly tier: string; readonly key: string }[]
  /** How many fills went unanswered in all (`unwritten` lists at most 1,000 of them). */
  readonly unwrittenCount: number
}

/** Collects the background fills tiers did not answer for, until `idle()` reports them. */
export class UnwrittenFills {
  private listed: { tier: string; key: string }[] = []
  private count = 0

  /** Notes the fills `tier` did not answer for, from the outcomes of one write. */
  note(tier: Tier, fills: readonly Fill[], outcomes: readonly WriteOutcome[]): void {
    outcomes.forEach((outcome, i) => {
      if (!outcome.unanswered) return
      this.count++
      const fill = fills[i]
      if (fill !== undefined && this.listed.length < MAX_LISTED)
        this.listed.push({ tier: tier.name, key: fill.key })
    })
  }

  /** The fills noted since the last report, and starts over. */
  report(): IdleReport {
    const report: IdleReport = { unwritten: this.listed, unwrittenCount: this.count }
    this.listed = []
    this.count = 0
    return report
  }
}
