import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { type Machine, machineLine } from './machine.js'
import { WARMUP_MAX_ROUNDS, WARMUP_MIN_OPS } from './measure.js'
import type { RowResult, WorkloadResult } from './runner.js'

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })

function micros(value: number): string {
  return value >= 10 ? value.toFixed(1) : value.toFixed(2)
}

interface Column {
  readonly header: string
  readonly align: 'left' | 'right'
  readonly cell: (row: RowResult, subject: RowResult | undefined) => string
}

function columns(result: WorkloadResult): Column[] {
  const list: Column[] = [
    { header: 'Library', align: 'left', cell: (row) => row.name },
    { header: 'Version', align: 'left', cell: (row) => row.version },
    { header: 'Median ops/s', align: 'right', cell: (row) => integer.format(row.opsPerSec.median) },
    { header: 'Min ops/s', align: 'right', cell: (row) => integer.format(row.opsPerSec.min) },
    { header: 'Max ops/s', align: 'right', cell: (row) => integer.format(row.opsPerSec.max) },
    {
      header: 'tiercache ÷ this',
      align: 'right',
      cell: (row, subject) =>
        subject === undefined ? '–' : `${(subject.opsPerSec.median / row.opsPerSec.median).toFixed(2)}×`,
    },
  ]
  list.push({ header: 'CPU µs/op', align: 'right', cell: (row) => micros(row.cpuMicrosPerOp) })
  if (result.rows.some((row) => row.loadsDuringRuns > 0)) {
    list.push({
      header: 'Loads/100k ops',
      align: 'right',
      cell: (row) => integer.format(row.loadsPer100kOps),
    })
  }
  if (result.rows.some((row) => row.redisCommands > 0)) {
    list.push(
      { header: 'Redis cmds/op', align: 'right', cell: (row) => row.redisCommandsPerOp.toFixed(3) },
      { header: 'Redis CPU µs/op', align: 'right', cell: (row) => micros(row.redisCpuMicrosPerOp) },
    )
  }
  if (result.rows.some((row) => row.details !== undefined)) {
    list.push({ header: 'Notes', align: 'left', cell: (row) => row.details ?? '' })
  }
  return list
}

function cells(result: WorkloadResult): { headers: string[]; aligns: Column['align'][]; rows: string[][] } {
  const cols = columns(result)
  const subject = result.rows.find((row) => row.kind === 'tiercache')
  return {
    headers: cols.map((col) => col.header),
    aligns: cols.map((col) => col.align),
    rows: result.rows.map((row) => cols.map((col) => col.cell(row, subject))),
  }
}

function targetLines(result: WorkloadResult): string[] {
  return result.targets.map((target) => {
    const verdict = target.met ? 'met' : 'NOT met'
    if (target.metric === 'redis-cpu') {
      const bound = target.atLeast === 1 ? '' : ` ÷ ${target.atLeast}`
      return `tiercache Redis CPU µs/op ≤ ${target.label}'s${bound}: ${target.label} ÷ tiercache = ${target.ratio.toFixed(2)}× — ${verdict}`
    }
    return `tiercache ≥ ${target.atLeast}× ${target.label}: ${target.ratio.toFixed(2)}× — ${verdict}`
  })
}

/** A plain-text table for the terminal. */
export function formatText(result: WorkloadResult): string {
  const { headers, aligns, rows } = cells(result)
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => (row[i] as string).length)),
  )
  const line = (values: readonly string[]) =>
    values
      .map((value, i) =>
        aligns[i] === 'right' ? value.padStart(widths[i] as number) : value.padEnd(widths[i] as number),
      )
      .join('  ')
  const out = [
    `== ${result.title} (${result.workload}): ${result.settings.runs} runs × ${result.settings.durationMs} ms, ${result.callers} caller(s)`,
    line(headers),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map(line),
    ...targetLines(result).map((text) => `  ${text}`),
    ...result.warnings.map((text) => `  WARNING: ${text}`),
  ]
  return out.join('\n')
}

/** One workload's section of BENCHMARKS.md. */
export function formatMarkdown(result: WorkloadResult, machine: Machine, tiercacheBuild: string): string {
  const { headers, aligns, rows } = cells(result)
  const escapePipes = (text: string) => text.replace(/\|/g, '\\|')
  // Padded to aligned columns, the way the project's formatter (biome) writes markdown tables, so the
  // generated file passes `npm run lint` as written.
  const body = rows.map((row) => row.map(escapePipes))
  const widths = headers.map((header, i) =>
    Math.max(header.length, 3, ...body.map((row) => (row[i] as string).length)),
  )
  const line = (values: readonly string[]) =>
    `| ${values
      .map((value, i) =>
        aligns[i] === 'right' ? value.padStart(widths[i] as number) : value.padEnd(widths[i] as number),
      )
      .join(' | ')} |`
  const rule = widths.map((width, i) =>
    aligns[i] === 'right' ? `${'-'.repeat(width - 1)}:` : `:${'-'.repeat(width - 1)}`,
  )
  const table = [line(headers), line(rule), ...body.map(line)]
  const { settings } = result
  const notes = [
    ...targetLines(result).map((text) => `- ${text}`),
    ...result.warnings.map((text) => `- **Warning:** ${text}`),
  ]
  return [
    `## ${result.title}`,
    '',
    `Workload \`${result.workload}\`. ${result.description}`,
    '',
    `Measured ${result.startedAt.slice(0, 16).replace('T', ' ')} UTC on ${machineLine(machine)}; ` +
      `tiercache from ${tiercacheBuild === 'dist' ? 'the built dist/' : 'src/ (through tsx)'}. ` +
      `${settings.runs} measured runs of ${settings.durationMs} ms per library after a warm-up of ` +
      `${settings.warmupMs} ms, repeated until ${WARMUP_MIN_OPS.toLocaleString('en-US')} operations or ` +
      `${WARMUP_MAX_ROUNDS} rounds; libraries interleaved; the ratio is tiercache’s median over the row’s median.`,
    '',
    ...table,
    '',
    // A workload without targets or warnings gets no empty list (and no second blank line).
    ...(notes.length > 0 ? [...notes, ''] : []),
    'Configuration:',
    '',
    ...result.rows.map((row) => `- **${row.name}**: ${escapePipes(row.config)}`),
  ].join('\n')
}

const HEADER = `# Benchmarks

tiercache against peer caches on the same workloads, in one process, against one private
\`redis-server\` started for the run (no persistence, loopback). Reproduce with:

\`\`\`sh
npm run bench                                   # every workload
npm run bench -- --workload l1-hit              # one workload
npm run bench -- --runs 7 --duration 3000       # more, longer runs
npm run bench -- --src                          # the TypeScript sources instead of the built package
\`\`\`

tiercache is measured as users run it, the built package (\`dist/\`, built first when older than
\`src/\`), as every peer is measured from its published JavaScript. The sources through tsx (\`--src\`)
run the miss path about 15 % slower (the transform names every function it creates, closures too).

Method: each library is set up as its documentation shows (choices are listed under each table and
explained in \`bench/libraries/\`), pre-populated through its own API, checked to return the right
value, warmed up, then measured for a fixed time per run. Runs are interleaved (each round starts
with a different library) and a full GC runs before each one. Each library gets its own copy of the
caller loop so the loop's call site stays monomorphic. The tables give median, min and max ops/s
over the runs. Raw per-run figures go to \`reports/\` (not committed). Figures from a small, shared
machine are noisy: compare ratios measured in the same run, not absolute numbers across machines.

Columns besides ops/s: **CPU µs/op** is the benchmark process's CPU time (all threads, GC included)
per operation, median over runs: less disturbed than ops/s by other processes competing for the
cores. **Redis cmds/op** counts the commands the server executed per operation, including those a
Lua script runs (a tiercache conditional write is one EVALSHA running GETRANGE and SET: 3 commands;
a batch of reads is one MGET). **Redis CPU µs/op** is the server's CPU time per operation.
**Loads/100k ops** is how often the loader (the database) ran; **Notes** give tiercache's hit ratio
per tier during the measured runs where that matters.

\`npm run bench -- --workload stampede\` (also part of the full run) is not a throughput test: it
counts loader calls and the time until every caller has its value when 4 processes read one cold key.
\`npm run bench -- --workload many-processes\` runs 4 worker processes sharing Redis with 1 % writes, and
checks every read of a written key against the consistency bound. The **Targets** section at the end
lists the performance goals, met or not, with the newest figures of each workload.

To add a workload, add a file under \`bench/workloads/\` and list it in \`bench/workloads/index.ts\`.
`

const MARKER = (name: string, edge: 'start' | 'end') => `<!-- bench:${name}:${edge} -->`

/**
 * Rewrites BENCHMARKS.md: the fixed header, then one section per known workload (in `order`). Sections
 * of workloads that did not run this time are kept from the existing file.
 */
export function updateBenchmarksFile(
  file: string,
  order: readonly string[],
  sections: ReadonlyMap<string, string>,
): void {
  const existing = existsSync(file) ? readFileSync(file, 'utf8') : ''
  const parts = [HEADER]
  for (const name of order) {
    const fresh = sections.get(name)
    const body = fresh ?? extractSection(existing, name)
    if (body !== undefined) parts.push(`${MARKER(name, 'start')}\n${body.trim()}\n${MARKER(name, 'end')}\n`)
  }
  writeFileSync(file, parts.join('\n'))
}

/** The body of section `name` between its markers in BENCHMARKS.md's text, if there is one. */
export function extractSection(text: string, name: string): string | undefined {
  const start = text.indexOf(MARKER(name, 'start'))
  const end = text.indexOf(MARKER(name, 'end'))
  if (start < 0 || end < start) return undefined
  return text.slice(start + MARKER(name, 'start').length, end)
}

/** Writes every figure of the run as JSON under `dir`; returns the file written. */
export function writeJsonReport(dir: string, report: unknown, startedAt: Date): string {
  mkdirSync(dir, { recursive: true })
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-')
  const file = path.join(dir, `bench-${stamp}.json`)
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`)
  return file
}
