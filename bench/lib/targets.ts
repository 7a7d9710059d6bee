import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type { ManyProcessesRow } from '../many-processes/run.js'
import type { RowResult, WorkloadResult } from './runner.js'

/** What one bench run left in reports/ (the fields the targets need). */
interface Report {
  readonly startedAt: string
  readonly options: {
    readonly libraries: readonly string[]
    readonly profileDir?: string
    readonly writeMarkdown: boolean
  }
  readonly results: readonly WorkloadResult[]
  readonly manyProcesses?: readonly ManyProcessesRow[]
}

/** Rows of an earlier Targets table by goal and workload. */
function previousRows(section: string): Map<string, string[]> {
  const rows = new Map<string, string[]>()
  for (const line of section.split('\n')) {
    if (!line.startsWith('| ') || line.startsWith('| :')) continue
    const cells = line
      .slice(2, -2)
      .split(' | ')
      .map((cell) => cell.trim())
    if (cells.length === 4) rows.set(`${cells[0]}|${cells[1]}`, cells)
  }
  return rows
}

/** The newest figures of every workload: this run's, else the newest full run's in reports/. */
export interface LatestFigures {
  readonly workloads: ReadonlyMap<string, { readonly at: string; readonly rows: readonly RowResult[] }>
  readonly manyProcesses?: { readonly at: string; readonly rows: readonly ManyProcessesRow[] }
}

/**
 * Collects the newest figures per workload from the JSON reports (oldest first, so newer runs win).
 * Runs limited to some libraries, profiled or without BENCHMARKS.md are left out: they are not
 * comparable figures.
 */
export function latestFigures(reportsDir: string): LatestFigures {
  const workloads = new Map<string, { at: string; rows: readonly RowResult[] }>()
  let manyProcesses: LatestFigures['manyProcesses']
  const files = existsSync(reportsDir)
    ? readdirSync(reportsDir).filter((f) => /^bench-.*\.json$/.test(f))
    : []
  for (const file of files.sort()) {
    const report = JSON.parse(readFileSync(path.join(reportsDir, file), 'utf8')) as Report
    const { options } = report
    if (options.libraries.length > 0 || options.profileDir !== undefined || !options.writeMarkdown) continue
    for (const result of report.results)
      workloads.set(result.workload, { at: result.startedAt, rows: result.rows })
    if (report.manyProcesses) manyProcesses = { at: report.startedAt, rows: report.manyProcesses }
  }
  return { workloads, manyProcesses }
}

interface Verdict {
  readonly goal: string
  readonly workload: string
  readonly measured: string
  readonly met: boolean | undefined
}

const ops = (value: number) => `${Math.round(value).toLocaleString('en-US')} ops/s`
const cpu = (value: number) => `${value.toFixed(2)} µs`

/** tiercache's ops/s over another row's, at least `atLeast`. */
function faster(figures: LatestFigures, workload: string, against: string, atLeast: number): Verdict {
  const rows = figures.workloads.get(workload)?.rows ?? []
  const subject = rows.find((row) => row.kind === 'tiercache')
  const other =
    against === 'best peer'
      ? rows.filter((row) => row.kind === 'peer').sort((a, b) => b.opsPerSec.median - a.opsPerSec.median)[0]
      : rows.find((row) => row.name === against)
  const goal = `tiercache ≥ ${atLeast}× ${against} in ops/s`
  if (!subject || !other) return { goal, workload, measured: 'not measured', met: undefined }
  const ratio = subject.opsPerSec.median / other.opsPerSec.median
  return {
    goal,
    workload,
    measured: `${ratio.toFixed(2)}× (${ops(subject.opsPerSec.median)} against ${ops(other.opsPerSec.median)}${against === 'best peer' ? `, ${other.name}` : ''})`,
    met: ratio >= atLeast,
  }
}

/** tiercache's Redis CPU µs/op at most another row's. */
function leaner(figures: LatestFigures, workload: string, against: string): Verdict {
  const rows = figures.workloads.get(workload)?.rows ?? []
  const subject = rows.find((row) => row.kind === 'tiercache')
  const other = rows.find((row) => row.name === against)
  const goal = `tiercache Redis CPU µs/op ≤ ${against}'s`
  if (!subject || !other) return { goal, workload, measured: 'not measured', met: undefined }
  return {
    goal,
    workload,
    measured: `${cpu(subject.redisCpuMicrosPerOp)} against ${cpu(other.redisCpuMicrosPerOp)}`,
    met: subject.redisCpuMicrosPerOp <= other.redisCpuMicrosPerOp,
  }
}

function manyProcessesVerdicts(figures: LatestFigures): Verdict[] {
  const workload = 'many-processes'
  const rows = figures.manyProcesses?.rows ?? []
  const subject = rows.find((row) => row.library === 'tiercache')
  const peers = rows.filter((row) => row.library !== 'tiercache')
  const goals = [
    'tiercache ≥ 1.5× best peer in aggregate ops/s',
    'tiercache lowest Redis CPU µs/op',
    'tiercache reads stale past the consistency bound: 0',
  ]
  if (!subject || peers.length === 0) {
    return goals.map((goal) => ({ goal, workload, measured: 'not measured', met: undefined }))
  }
  const best = [...peers].sort((a, b) => b.opsPerSec.median - a.opsPerSec.median)[0] as ManyProcessesRow
  const leanest = [...peers].sort(
    (a, b) => a.redisCpuMicrosPerOp - b.redisCpuMicrosPerOp,
  )[0] as ManyProcessesRow
  const ratio = subject.opsPerSec.median / best.opsPerSec.median
  return [
    {
      goal: goals[0] as string,
      workload,
      measured: `${ratio.toFixed(2)}× (${ops(subject.opsPerSec.median)} against ${ops(best.opsPerSec.median)}, ${best.library})`,
      met: ratio >= 1.5,
    },
    {
      goal: goals[1] as string,
      workload,
      measured: `${cpu(subject.redisCpuMicrosPerOp)} against ${cpu(leanest.redisCpuMicrosPerOp)} (${leanest.library})`,
      met: subject.redisCpuMicrosPerOp <= leanest.redisCpuMicrosPerOp,
    },
    {
      goal: goals[2] as string,
      workload,
      measured: `${subject.staleBeyondBound} of ${subject.readsChecked.toLocaleString('en-US')} reads`,
      met: subject.staleBeyondBound === 0,
    },
  ]
}

/** The performance goals tiercache is held to, each with its verdict from the newest figures. */
export function evaluateGoals(figures: LatestFigures): Verdict[] {
  return [
    faster(figures, 'zipf-one-redis', 'layered-loader', 1.2),
    faster(figures, 'zipf-one-redis', 'bentocache', 2.5),
    faster(figures, 'zipf-one-redis', 'cache-manager', 2.5),
    leaner(figures, 'zipf-one-redis', 'layered-loader'),
    faster(figures, 'zipf', 'layered-loader', 1),
    faster(figures, 'miss-path-one-redis', 'bentocache', 1),
    faster(figures, 'miss-path-one-redis', 'layered-loader', 0.9),
    leaner(figures, 'miss-path-one-redis', 'layered-loader'),
    faster(figures, 'miss-path', 'seed hand-written', 1.3),
    leaner(figures, 'miss-path', 'seed hand-written'),
    faster(figures, 'redis-hit', 'best peer', 3),
    faster(figures, 'redis-hit', 'node-redis GET + JSON.parse (raw)', 1),
    faster(figures, 'l1-hit', 'layered-loader', 1.5),
    faster(figures, 'l1-scale-100k', 'layered-loader', 1),
    faster(figures, 'l1-scale-1m', 'layered-loader', 1),
    ...manyProcessesVerdicts(figures),
  ]
}

/**
 * The Targets section of BENCHMARKS.md. A goal whose workload has no figures in reports/ (a fresh
 * clone running one workload) keeps its row from the `previous` section.
 */
export function targetsSection(figures: LatestFigures, previous = ''): string {
  const verdicts = evaluateGoals(figures)
  const headers = ['Goal', 'Workload', 'Measured', 'Verdict']
  const kept = previousRows(previous)
  const body = verdicts.map((v) => {
    const cells = [v.goal, `\`${v.workload}\``]
    if (v.met === undefined) return kept.get(cells.join('|')) ?? [...cells, v.measured, '–']
    return [...cells, v.measured, v.met ? 'met' : '**not met**']
  })
  const widths = headers.map((header, i) =>
    Math.max(header.length, 3, ...body.map((row) => (row[i] as string).length)),
  )
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i] as number)).join(' | ')} |`
  const rule = `| ${widths.map((width) => `:${'-'.repeat(width - 1)}`).join(' | ')} |`
  const dates = [
    ...[...figures.workloads.values()].map((w) => w.at),
    ...(figures.manyProcesses ? [figures.manyProcesses.at] : []),
  ].sort()
  const span =
    dates.length === 0
      ? ''
      : ` (measured between ${(dates[0] as string).slice(0, 16).replace('T', ' ')} and ${(dates.at(-1) as string).slice(0, 16).replace('T', ' ')} UTC)`
  return [
    '## Targets',
    '',
    'The performance goals tiercache is held to, each checked against the medians of the newest full run of its ' +
      `workload${span}. Written by every \`npm run bench\` from this run’s figures and, for workloads not run this time, ` +
      'the newest report in `reports/`. The memory tier at 1,000 keys is the `l1-hit` workload (every read a memory hit). On a small shared machine, ' +
      'read a verdict near its threshold as undecided.',
    '',
    line(headers),
    rule,
    ...body.map(line),
  ].join('\n')
}
