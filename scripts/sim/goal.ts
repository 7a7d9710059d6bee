import { type CaffeineRuns, caffeineHitRatios } from './caffeine.js'
import { hitRatio } from './replay.js'
import type { Trace } from './trace.js'

/** How far below the better of LRU and Caffeine the default policy may be, as a ratio (0.5 points). */
export const GOAL_MARGIN = 0.005

/** One row of the goal table: the default policy against LRU and Caffeine on one trace at one size. */
export interface GoalRow {
  readonly trace: string
  readonly size: number
  readonly lru: number
  readonly caffeine: CaffeineRuns
  readonly policy: number
  /** max(LRU, Caffeine's median) − 0.5 points. */
  readonly target: number
  /** At or above the target, and never below LRU. */
  readonly met: boolean
}

/**
 * Measures the goal for the memory tier's default policy: a hit ratio at least max(LRU, Caffeine) −
 * 0.5 points, and never below LRU.
 */
export function goalRow(
  trace: Trace,
  size: number,
  policy: string,
  caffeine: { readonly jar: string; readonly runs: number },
): GoalRow {
  const lru = hitRatio(trace, 'lru', size)
  const policyRatio = hitRatio(trace, policy, size)
  const runs = caffeineHitRatios(caffeine.jar, trace, size, caffeine.runs)
  const target = Math.max(lru, runs.median) - GOAL_MARGIN
  return {
    trace: trace.name,
    size,
    lru,
    caffeine: runs,
    policy: policyRatio,
    target,
    met: policyRatio >= target && policyRatio >= lru,
  }
}
