import { formatCount, formatMicros, formatPercent, renderTable } from '../format.js'
import type { DemoSummary, PhaseSummary } from './summary.js'

/** The text the demo prints when it is done. */
export function renderSummary(summary: DemoSummary): string {
  const tierRows = summary.tiers.map((row) => [
    row.name,
    row.name === 'database' ? `${formatCount(row.hits)} queries` : formatCount(row.hits),
    row.name === 'database' ? '' : formatCount(row.misses),
    row.name === 'database' ? '' : formatPercent(row.hitRatio),
    formatMicros(row.latency?.p50),
    formatMicros(row.latency?.p99),
    row.latencyOf,
  ])
  const phases = [summary.cached, summary.direct].filter(
    (phase): phase is PhaseSummary => phase !== undefined,
  )
  const perSecond = (value: number, phase: PhaseSummary) => `${formatCount(value / phase.seconds)}/s`
  const comparison = [
    ['', 'with tiercache', ...(summary.direct ? ['without (database only)'] : [])],
    [
      'requests served',
      ...phases.map((p) => formatCount(p.served) + (p.failed ? ` (${formatCount(p.failed)} failed)` : '')),
    ],
    ['served per second', ...phases.map((p) => perSecond(p.served, p))],
    ['  in the second half', ...phases.map((p) => `${formatCount(p.secondHalf.servedPerSecond)}/s`)],
    [
      'database queries',
      ...phases.map(
        (p) => `${formatCount(p.readQueries + p.writes)} (${perSecond(p.readQueries + p.writes, p)})`,
      ),
    ],
    ['  in the second half', ...phases.map((p) => `${formatCount(p.secondHalf.queriesPerSecond)}/s`)],
    ['queries per request', ...phases.map((p) => (p.served ? (p.readQueries / p.served).toFixed(3) : '-'))],
    [
      'request latency p50 / p99',
      ...phases.map((p) => `${formatMicros(p.requestLatency?.p50)} / ${formatMicros(p.requestLatency?.p99)}`),
    ],
  ]
  const { stale } = summary
  const verdict =
    stale.staleBeyondBound === 0
      ? `stale reads observed: 0 (must be 0) — ${formatCount(stale.reads)} reads of updated products checked against ${formatCount(stale.writes)} acknowledged updates, bound ${stale.boundMs / 1000} s; ${formatCount(stale.staleWithinBound)} read(s) raced an update by at most ${stale.maxStalenessMs.toFixed(1)} ms`
      : `STALE READS OBSERVED: ${formatCount(stale.staleBeyondBound)} (must be 0)\n  ${stale.examples.join('\n  ')}`
  return [
    renderTable([['tier', 'hits', 'misses', 'hit ratio', 'p50', 'p99', 'latency of'], ...tierRows]),
    '',
    renderTable(comparison),
    '',
    verdict,
  ].join('\n')
}
