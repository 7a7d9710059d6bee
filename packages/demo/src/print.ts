import { availableParallelism } from 'node:os'
import { renderTable } from '../../../src/cli/format.js'
import { comparisonTable, cpuLine, headline, plural, TIER_TABLE_NOTE, tierTable } from './figures.js'
import type { DemoSummary } from './summary.js'

/** The text the demo prints when it is done. */
export function renderSummary(summary: DemoSummary): string {
  const { stale } = summary
  const verdict =
    stale.staleBeyondBound === 0
      ? `stale reads observed: 0 (must be 0) — ${plural(stale.reads, 'read')} of updated products checked against ${plural(stale.writes, 'acknowledged update')}, bound ${stale.boundMs / 1000} s; ${stale.staleWithinBound === 0 ? 'no read raced an update' : `${plural(stale.staleWithinBound, 'read')} raced an update by at most ${stale.maxStalenessMs.toFixed(1)} ms`}`
      : `STALE READS OBSERVED: ${plural(stale.staleBeyondBound, 'read')} (must be 0)\n  ${stale.examples.join('\n  ')}`
  const cpu = [
    `CPU over the measured phase, per process (% of one core; ${plural(availableParallelism(), 'core')}):`,
    `  with tiercache: ${cpuLine(summary.cached)}`,
    ...(summary.direct ? [`  without: ${cpuLine(summary.direct)}`] : []),
  ]
  return [
    ...headline(summary),
    '',
    renderTable(tierTable(summary)),
    TIER_TABLE_NOTE,
    '',
    renderTable(comparisonTable(summary)),
    '',
    ...cpu,
    '',
    verdict,
  ].join('\n')
}
