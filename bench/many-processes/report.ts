import { formatOps } from '../lib/runner.js'
import { MANY_PROCESSES, type ManyProcessesRow } from './run.js'

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })
const micros = (value: number) => (value >= 10 ? value.toFixed(1) : value.toFixed(2))

/** The many-processes table, as markdown (padded like biome writes it) or plain text. */
export function manyProcessesTable(rows: readonly ManyProcessesRow[], markdown: boolean): string {
  const subject = rows.find((row) => row.library === 'tiercache')
  const headers = [
    'Library',
    'Median ops/s (all processes)',
    'Min ops/s',
    'Max ops/s',
    'tiercache ÷ this',
    'CPU µs/op',
    'Redis cmds/op',
    'Redis CPU µs/op',
    'Writes',
    'Bus msgs/write',
    'Reads checked',
    'Stale within B',
    'Stale past B',
    'Worst staleness ms',
  ]
  const body = rows.map((row) => [
    row.library,
    integer.format(row.opsPerSec.median),
    integer.format(row.opsPerSec.min),
    integer.format(row.opsPerSec.max),
    subject === undefined ? '–' : `${(subject.opsPerSec.median / row.opsPerSec.median).toFixed(2)}×`,
    micros(row.cpuMicrosPerOp),
    row.redisCommandsPerOp.toFixed(3),
    micros(row.redisCpuMicrosPerOp),
    integer.format(row.writes),
    row.busMessagesPerWrite.toFixed(3),
    integer.format(row.readsChecked),
    integer.format(row.staleWithinBound),
    integer.format(row.staleBeyondBound),
    row.maxStalenessMs.toFixed(1),
  ])
  const widths = headers.map((header, i) =>
    Math.max(header.length, 3, ...body.map((row) => (row[i] as string).length)),
  )
  const pad = (cell: string, i: number) =>
    i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number)
  const line = (cells: readonly string[]) =>
    markdown ? `| ${cells.map(pad).join(' | ')} |` : cells.map(pad).join('  ')
  const rule = markdown
    ? `| ${widths.map((width, i) => (i === 0 ? `:${'-'.repeat(width - 1)}` : `${'-'.repeat(width - 1)}:`)).join(' | ')} |`
    : widths.map((width) => '-'.repeat(width)).join('  ')
  return [line(headers), rule, ...body.map(line)].join('\n')
}

/** The issue's goals for this workload, met or not, from the rows. */
export function manyProcessesTargets(rows: readonly ManyProcessesRow[]): string[] {
  const subject = rows.find((row) => row.library === 'tiercache')
  const peers = rows.filter((row) => row.library !== 'tiercache')
  if (subject === undefined || peers.length === 0) return []
  const best = peers.reduce((a, b) => (b.opsPerSec.median > a.opsPerSec.median ? b : a))
  const ratio = subject.opsPerSec.median / best.opsPerSec.median
  const leanest = peers.reduce((a, b) => (b.redisCpuMicrosPerOp < a.redisCpuMicrosPerOp ? b : a))
  const verdict = (met: boolean) => (met ? 'met' : 'NOT met')
  return [
    `tiercache ≥ 1.5× best peer (${best.library}) in aggregate ops/s: ${ratio.toFixed(2)}× (${formatOps(subject.opsPerSec.median)} against ${formatOps(best.opsPerSec.median)}) — ${verdict(ratio >= 1.5)}`,
    `tiercache lowest Redis CPU µs/op: ${micros(subject.redisCpuMicrosPerOp)} against ${micros(leanest.redisCpuMicrosPerOp)} (${leanest.library}, the lowest peer) — ${verdict(subject.redisCpuMicrosPerOp <= leanest.redisCpuMicrosPerOp)}`,
    `tiercache reads stale past B = ${MANY_PROCESSES.boundMs} ms: ${subject.staleBeyondBound} of ${integer.format(subject.readsChecked)} — ${verdict(subject.staleBeyondBound === 0)}`,
  ]
}
