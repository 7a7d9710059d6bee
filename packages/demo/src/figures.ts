import { availableParallelism } from 'node:os'
import { formatCount, formatMicros, formatPercent } from '../../../src/cli/format.js'
import type { DemoSummary, PhaseSummary, TierRow } from './summary.js'

/**
 * The demo's figures as rows of text, made once here for both the terminal summary and the HTML
 * report, so that the two always show the same numbers.
 */

/** "1 instance", "3 instances". */
export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${formatCount(count)} ${count === 1 ? noun : nouns}`
}

function phases(summary: DemoSummary): PhaseSummary[] {
  return [summary.cached, summary.direct].filter((phase): phase is PhaseSummary => phase !== undefined)
}

const perSecond = (count: number, phase: PhaseSummary) => `${formatCount(count / phase.seconds)}/s`
const share = (count: number, phase: PhaseSummary) =>
  formatPercent(phase.served ? count / phase.served : Number.NaN)
const seconds = (value: number) => `${value.toFixed(1)} s`

/** The per-tier table: header, then a row per tier and one for the database's reads. */
export function tierTable(summary: DemoSummary): string[][] {
  return [
    ['tier', 'hits', 'misses', 'hit ratio*', 'p50', 'p99', 'latency of'],
    ...summary.tiers.map((row) =>
      row.name === 'database'
        ? [
            'database',
            `${formatCount(row.hits)} reads`,
            '',
            '',
            formatMicros(row.latency?.p50),
            formatMicros(row.latency?.p99),
            row.latencyOf,
          ]
        : [
            row.name,
            formatCount(row.hits),
            formatCount(row.misses),
            formatPercent(row.hitRatio),
            formatMicros(row.latency?.p50),
            formatMicros(row.latency?.p99),
            row.latencyOf,
          ],
    ),
  ]
}

export const TIER_TABLE_NOTE =
  '* of the reads that reached the tier: every request asks memory; hot and warm see what memory missed'

/** The measured phases side by side: header, then one row per figure. */
export function comparisonTable(summary: DemoSummary): string[][] {
  const all = phases(summary)
  const row = (label: string, cell: (phase: PhaseSummary) => string) => [label, ...all.map(cell)]
  const answered = (label: string, pick: (phase: PhaseSummary) => number) =>
    row(label, (p) => (p.mode === 'direct' && label !== '  by a database read' ? '-' : share(pick(p), p)))
  return [
    ['', 'with tiercache', ...(summary.direct ? ['without (database only)'] : [])],
    row('warm-up', (p) => `${seconds(p.warmupSeconds)}${p.settled ? '' : ' (not settled)'}`),
    row('measured for', (p) => seconds(p.seconds)),
    row(
      'requests served',
      (p) => formatCount(p.served) + (p.failed ? ` (${formatCount(p.failed)} failed)` : ''),
    ),
    row('requests per second', (p) => perSecond(p.served, p)),
    answered('answered from memory at once', (p) => p.answeredBy.memory),
    answered('  after a Redis round trip', (p) => p.answeredBy.redis),
    answered('  by a database read', (p) => p.answeredBy.database),
    row('database reads', (p) => `${formatCount(p.dbReads)} (${perSecond(p.dbReads, p)})`),
    row('database reads per request', (p) => (p.served ? (p.dbReads / p.served).toFixed(3) : '-')),
    row('database writes (updates)', (p) => `${formatCount(p.dbWrites)} (${perSecond(p.dbWrites, p)})`),
    row('request latency p50', (p) => formatMicros(p.requestLatency?.p50)),
    row('request latency p99', (p) => formatMicros(p.requestLatency?.p99)),
    row('request latency p99.9', (p) => formatMicros(p.requestLatency?.p999)),
    row('event-loop delay p99', (p) => formatMicros(p.eventLoopDelay?.p99)),
  ]
}

/** The sentences above the tables: what the cache did at steady state, or why that is not known. */
export function headline(summary: DemoSummary): string[] {
  const { cached, direct } = summary
  const lines: string[] = []
  const warm = `measured for ${seconds(cached.seconds)} after a ${seconds(cached.warmupSeconds)} warm-up`
  if (!cached.settled)
    lines.push(
      `NOT AT STEADY STATE: the hit ratios were still changing when the warm-up limit ran out (${seconds(cached.warmupSeconds)}), so these figures mix in the cold start; give it more time (--warmup).`,
    )
  const reads = (p: PhaseSummary) => (p.served ? p.dbReads / p.served : Number.NaN)
  const withCache = `${perSecond(cached.served, cached)} served, ${reads(cached).toFixed(3)} database reads per request, p99 ${formatMicros(cached.requestLatency?.p99)}`
  if (!direct) {
    lines.push(`With tiercache (${warm}): ${withCache}.`)
    return lines
  }
  lines.push(
    `${cached.settled ? 'At steady state' : 'With tiercache'} (${warm}): ${withCache}.`,
    `Without the cache (${seconds(direct.seconds)} after ${seconds(direct.warmupSeconds)}): ${perSecond(direct.served, direct)} served, ${reads(direct).toFixed(3)} database reads per request, p99 ${formatMicros(direct.requestLatency?.p99)}.`,
  )
  const p99 = {
    cached: cached.requestLatency?.p99 ?? Number.NaN,
    direct: direct.requestLatency?.p99 ?? Number.NaN,
  }
  if (p99.cached > p99.direct) lines.push(p99Explanation(summary, p99.cached, p99.direct))
  return lines
}

/** Why tiercache's p99 came out higher, from what the run measured. */
function p99Explanation(summary: DemoSummary, cachedP99: number, directP99: number): string {
  const { cached, direct } = summary
  const query = (row: TierRow | undefined) => formatMicros(row?.latency?.p99)
  const loop = (phase: PhaseSummary | undefined) => formatMicros(phase?.eventLoopDelay?.p99)
  const pressure =
    cached.cpuPressure !== undefined
      ? ` and some process was waiting for a CPU ${formatPercent(cached.cpuPressure)} of the last minute`
      : ''
  const load =
    cached.loadAverage > 0
      ? ` The machine's load average was ${cached.loadAverage.toFixed(1)} on ${plural(availableParallelism(), 'core')}${pressure}: every wake-up waits for a CPU, and a miss through the cache waits for a Redis round trip before its query, so it wakes its instance at least twice where a direct read wakes it once.`
      : ''
  return `p99 is higher with tiercache (${formatMicros(cachedP99)} against ${formatMicros(directP99)}): its slowest 1 % are among the ${share(cached.answeredBy.database, cached)} of requests that still read the database, whose queries took up to ${query(summary.tiers.find((row) => row.name === 'database'))} (p99; ${query(summary.directDatabase)} without the cache), and the instances' event loops ran up to ${loop(cached)} late (p99; ${loop(direct)} without).${load}`
}

/** CPU per process over the measured phase, as a share of one core. */
export function cpuLine(phase: PhaseSummary): string {
  return phase.cpu
    .map(
      (process) => `${process.name} ${Number.isFinite(process.share) ? formatPercent(process.share) : '-'}`,
    )
    .join(', ')
}
