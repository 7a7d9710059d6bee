import { parseArgs } from 'node:util'
import { WARMUP_MAX_ROUNDS, WARMUP_MIN_OPS } from './measure.js'
import type { TiercacheBuild } from './tiercache-build.js'

export interface BenchOptions {
  /** Workload names to run, in order; empty means all. */
  readonly workloads: readonly string[]
  /** Row names to run (e.g. only `tiercache`, for profiling); empty means all. */
  readonly libraries: readonly string[]
  /** Measured runs per library (after warm-up). */
  readonly runs: number
  /** Length of one measured run, in ms. */
  readonly durationMs: number
  /** Warm-up per library before the first measured run, in ms. */
  readonly warmupMs: number
  /** Which tiercache to bench: the built package (default, built if stale) or the sources (`--src`). */
  readonly build: TiercacheBuild
  /** Write a CPU profile of each workload's measured runs into this directory. */
  readonly profileDir: string | undefined
  /** Leave BENCHMARKS.md untouched (still prints and writes the JSON report). */
  readonly writeMarkdown: boolean
  readonly help: boolean
}

export const DEFAULTS = { runs: 5, durationMs: 2000, warmupMs: 1000 } as const

export function usage(workloadNames: readonly string[]): string {
  return `Usage: npm run bench -- [options]

Compares tiercache with peer caches on fixed workloads against a private redis-server
started for the run. Prints a table, updates BENCHMARKS.md and writes raw figures to reports/.

Options:
  --workload <name>   run only this workload (repeatable); one of: ${workloadNames.join(', ')}
  --library <name>    run only this library's row (repeatable), e.g. to profile one
  --runs <n>          measured runs per library, interleaved between libraries (default ${DEFAULTS.runs})
  --duration <ms>     length of one measured run (default ${DEFAULTS.durationMs})
  --warmup <ms>       warm-up per library before measuring (default ${DEFAULTS.warmupMs}), repeated until
                      the library has run ${WARMUP_MIN_OPS.toLocaleString('en-US')} operations, at most ${WARMUP_MAX_ROUNDS} times (0: no warm-up)
  --src               bench the TypeScript sources (through tsx) instead of the built package,
                      which is what users run and is built first when older than src/
  --profile <dir>     write a CPU profile (.cpuprofile) of each workload's measured runs to <dir>;
                      combine with --library to profile one library (many-processes: one profile per
                      worker process, of its whole life)
  --no-markdown       do not update BENCHMARKS.md
  --help              show this text

Examples:
  npm run bench
  npm run bench -- --workload l1-hit --runs 7 --duration 3000
  npm run bench -- --workload redis-hit --library tiercache --profile reports/profiles
`
}

export function parseOptions(argv: readonly string[], workloadNames: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      workload: { type: 'string', multiple: true },
      library: { type: 'string', multiple: true },
      runs: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      src: { type: 'boolean', default: false },
      profile: { type: 'string' },
      'no-markdown': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  })
  const workloads = values.workload ?? []
  for (const name of workloads) {
    if (!workloadNames.includes(name)) {
      throw new Error(`unknown workload "${name}"; choose from: ${workloadNames.join(', ')}`)
    }
  }
  return {
    workloads,
    libraries: values.library ?? [],
    runs: positiveInteger(values.runs, '--runs', DEFAULTS.runs),
    durationMs: positiveInteger(values.duration, '--duration', DEFAULTS.durationMs),
    warmupMs: positiveInteger(values.warmup, '--warmup', DEFAULTS.warmupMs, true),
    build: values.src ? 'src' : 'dist',
    profileDir: values.profile,
    writeMarkdown: !(values['no-markdown'] ?? false),
    help: values.help ?? false,
  }
}

function positiveInteger(
  text: string | undefined,
  flag: string,
  fallback: number,
  allowZero = false,
): number {
  if (text === undefined) return fallback
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new Error(`${flag} needs a ${allowZero ? 'non-negative' : 'positive'} integer; got "${text}"`)
  }
  return value
}
