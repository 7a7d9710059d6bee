/**
 * Trace simulator: replays access traces through the memory tier's eviction policies and prints
 * hit ratios next to LRU and Belady's optimum (OPT) at the same size.
 *
 *   npm run sim -- --trace web12.trace.xz --trace zipf:0.99+scan --size 1000,5000 --policy lru,lfu,w-tinylfu
 *
 * A trace is a file of 32-bit big-endian keys (`.xz` compressed or not), or a synthetic Zipf trace
 * named `zipf:S` (100,000 keys, 300,000 accesses) or `zipf:S+scan` (the same with a burst of
 * 20,000 one-time keys halfway). `--limit N` replays only a file's first N accesses;
 * `--markdown` prints a Markdown table.
 *
 * `--goal --caffeine path/to/caffeine-3.2.2.jar` prints instead the eviction goal's table: the memory
 * tier's default policy against LRU and Caffeine itself (replayed `--runs` times, default 5, by
 * scripts/sim/caffeine/CaffeineReplay.java; needs `java`), with the target max(LRU, Caffeine's median)
 * − 0.5 points; exits 1 when a row misses it or falls below LRU.
 */
import { parseArgs } from 'node:util'
import { DEFAULT_MEMORY_POLICY } from '../src/tiers/memory/memory-tier.js'
import { caffeineLabel } from './sim/caffeine.js'
import { type GoalRow, goalRow } from './sim/goal.js'
import { hitRatio, SIMULATED_POLICIES } from './sim/replay.js'
import { syntheticTrace } from './sim/synthetic.js'
import { readTraceFile, type Trace } from './sim/trace.js'

const { values } = parseArgs({
  options: {
    trace: { type: 'string', multiple: true },
    size: { type: 'string', default: '1000' },
    policy: { type: 'string', default: 'lru,lfu,w-tinylfu' },
    limit: { type: 'string' },
    markdown: { type: 'boolean', default: false },
    goal: { type: 'boolean', default: false },
    caffeine: { type: 'string' },
    runs: { type: 'string', default: '5' },
  },
})

const specs = values.trace ?? []
if (specs.length === 0) {
  console.error(
    'usage: npm run sim -- --trace FILE|zipf:S[+scan] [--trace …] [--size N,M] [--policy lru,lfu,w-tinylfu]',
  )
  process.exit(2)
}
const sizes = list(values.size).map(Number)
if (sizes.some((size) => !Number.isSafeInteger(size) || size < 1)) {
  console.error(`--size must be positive integers; got ${values.size}`)
  process.exit(2)
}
// LRU and OPT are always shown: every other policy is judged against them.
const policies = unique(['lru', ...list(values.policy), 'opt'])
const unknown = policies.filter((policy) => policy !== 'opt' && !Object.hasOwn(SIMULATED_POLICIES, policy))
if (unknown.length > 0) {
  console.error(
    `unknown policy ${unknown.join(', ')}; known: ${[...Object.keys(SIMULATED_POLICIES), 'opt'].join(', ')}`,
  )
  process.exit(2)
}
const limit = values.limit === undefined ? Number.POSITIVE_INFINITY : Number(values.limit)
if (values.goal) {
  printGoal()
  process.exit(process.exitCode ?? 0)
}

const header = ['trace', 'accesses', 'size', ...policies, 'w-tinylfu gap closed']
const rows: string[][] = []
for (const spec of specs) {
  const trace = loadTrace(spec)
  for (const size of sizes) {
    const ratios = new Map(policies.map((policy) => [policy, hitRatio(trace, policy, size)]))
    rows.push([
      trace.name,
      trace.ids.length.toLocaleString('en-US'),
      size.toLocaleString('en-US'),
      ...policies.map((policy) => percent(ratios.get(policy) ?? 0)),
      gapClosed(ratios),
    ])
    if (!values.markdown) console.log(formatRow(rows.at(-1) ?? [], header))
  }
}
if (values.markdown) printMarkdown(header, rows)

/** The goal's table: the default policy against max(LRU, Caffeine) − 0.5 points, at every trace and size. */
function printGoal(): void {
  const jar = values.caffeine
  const runs = Number(values.runs)
  if (jar === undefined || !Number.isSafeInteger(runs) || runs < 1) {
    console.error('--goal needs --caffeine path/to/caffeine.jar (and --runs a positive integer)')
    process.exit(2)
  }
  const names = [
    'trace',
    'size',
    'lru',
    `${caffeineLabel(jar)} (median, range)`,
    `default (\`${DEFAULT_MEMORY_POLICY}\`)`,
    'target',
    'met',
  ]
  const table: string[][] = []
  for (const spec of specs) {
    const trace = loadTrace(spec)
    for (const size of sizes) {
      const row = measureGoal(trace, size, jar, runs)
      if (!row.met) process.exitCode = 1
      table.push(goalCells(row))
      if (!values.markdown) console.log(formatRow(table.at(-1) ?? [], names))
    }
  }
  if (values.markdown) printMarkdown(names, table)
}

function measureGoal(trace: Trace, size: number, jar: string, runs: number): GoalRow {
  try {
    return goalRow(trace, size, DEFAULT_MEMORY_POLICY, { jar, runs })
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error))
    process.exit(1)
  }
}

function goalCells(row: GoalRow): string[] {
  const { caffeine } = row
  const range = `${(caffeine.lowest * 100).toFixed(2)}–${(caffeine.highest * 100).toFixed(2)}`
  return [
    row.trace,
    row.size.toLocaleString('en-US'),
    percent(row.lru),
    `${percent(caffeine.median)} (${range})`,
    percent(row.policy),
    percent(row.target),
    row.met ? 'yes' : row.policy < row.lru ? 'no (below LRU)' : 'no',
  ]
}

function loadTrace(spec: string): Trace {
  try {
    return syntheticTrace(spec) ?? readTraceFile(spec, limit)
  } catch (error) {
    console.error(`cannot read trace ${spec}: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  }
}

/** Share of the LRU→OPT gap that W-TinyLFU closes. */
function gapClosed(ratios: ReadonlyMap<string, number>): string {
  const lru = ratios.get('lru')
  const opt = ratios.get('opt')
  const wTinyLfu = ratios.get('w-tinylfu')
  if (lru === undefined || opt === undefined || wTinyLfu === undefined || opt - lru < 1e-9) return '–'
  return `${Math.round(((wTinyLfu - lru) / (opt - lru)) * 100)} %`
}

function formatRow(row: readonly string[], names: readonly string[]): string {
  return row.map((cell, i) => `${names[i]}=${cell}`).join('  ')
}

function printMarkdown(names: readonly string[], table: readonly string[][]): void {
  console.log(`| ${names.join(' | ')} |`)
  console.log(`|${names.map((_, i) => (i < 1 ? '---' : '---:')).join('|')}|`)
  for (const row of table) console.log(`| ${row.join(' | ')} |`)
}

function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(2)} %`
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0)
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)]
}
