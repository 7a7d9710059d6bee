import path from 'node:path'
import { parseOptions, usage } from './lib/cli.js'
import { type BenchEnv, openEnv } from './lib/env.js'
import { describeMachine } from './lib/machine.js'
import { formatMarkdown, formatText, updateBenchmarksFile, writeJsonReport } from './lib/report.js'
import { runWorkload, type WorkloadResult } from './lib/runner.js'
import { runStampede, STAMPEDE, type StampedeRow, stampedeTable } from './stampede/run.js'
import { workloads } from './workloads/index.js'

const projectRoot = path.resolve(import.meta.dirname, '..')
/** The throughput workloads, then the stampede scenario (its own runner: loader calls and time, not ops/s). */
const names = [...workloads.map((workload) => workload.name), 'stampede']

async function main(): Promise<number> {
  let options: ReturnType<typeof parseOptions>
  try {
    options = parseOptions(process.argv.slice(2), names)
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${usage(names)}`)
    return 2
  }
  if (options.help) {
    console.log(usage(names))
    return 0
  }
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
    console.error('note: run through `npm run bench` (node --expose-gc) to collect garbage between runs')
  }
  const libraryNames = [...new Set(workloads.flatMap((workload) => workload.libraries.map((l) => l.name)))]
  const unknown = options.libraries.filter((name) => !libraryNames.includes(name))
  if (unknown.length > 0) {
    console.error(
      `unknown library ${unknown.map((n) => `"${n}"`).join(', ')}; choose from: ${libraryNames.join(', ')}`,
    )
    return 2
  }
  const selected = workloads.filter(
    (workload) => options.workloads.length === 0 || options.workloads.includes(workload.name),
  )
  const startedAt = new Date()
  const env: BenchEnv = await openEnv(options.dist)
  const stop = () => {
    void env.close().finally(() => process.exit(130))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  const results: WorkloadResult[] = []
  let stampede: StampedeRow[] | undefined
  try {
    for (const workload of selected) {
      const result = await runWorkload(workload, env, options, (line) => console.error(line))
      results.push(result)
      console.log(`\n${formatText(result)}\n`)
    }
    if (options.workloads.length === 0 || options.workloads.includes('stampede')) {
      stampede = await runStampede(env, options.runs, (line) => console.error(line))
      console.log(
        `\n== Stampede: ${STAMPEDE.processes} processes × ${STAMPEDE.callersPerProcess} callers, one cold key, ${STAMPEDE.loaderMs} ms loader\n${stampedeTable(stampede, false)}\n`,
      )
    }
  } finally {
    await env.close()
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }

  const machine = describeMachine(env.redisVersion)
  const reportFile = writeJsonReport(
    path.join(projectRoot, 'reports'),
    {
      startedAt: startedAt.toISOString(),
      machine,
      tiercacheBuild: env.tiercacheBuild,
      options,
      results,
      stampede,
    },
    startedAt,
  )
  console.log(`raw figures: ${path.relative(process.cwd(), reportFile)}`)
  if (options.writeMarkdown && (options.libraries.length > 0 || options.profileDir !== undefined)) {
    console.log('BENCHMARKS.md left as it is: --library and --profile runs are not comparable figures')
  } else if (options.writeMarkdown) {
    const sections = new Map(
      results.map((result) => [result.workload, formatMarkdown(result, machine, env.tiercacheBuild)]),
    )
    if (stampede) sections.set('stampede', stampedeSection(stampede, options.runs))
    const file = path.join(projectRoot, 'BENCHMARKS.md')
    updateBenchmarksFile(file, names, sections)
    console.log(`updated ${path.relative(process.cwd(), file)}`)
  }
  return 0
}

function stampedeSection(rows: readonly StampedeRow[], rounds: number): string {
  return [
    `## Stampede across processes (stampede)`,
    '',
    `${STAMPEDE.processes} processes × ${STAMPEDE.callersPerProcess} concurrent callers read one cold key at the same moment; the loader takes ${STAMPEDE.loaderMs} ms. ` +
      'Counted: how many times the loader ran across all processes, and the time from the first call to the last caller having its value. ' +
      `Each library is set up as memory + Redis; ${rounds} rounds, a new key each. tiercache takes a lease in Redis so one process loads and the others wait for its value (woken over the bus); ` +
      'bentocache (without its optional bus) and cache-manager deduplicate within a process only.',
    '',
    stampedeTable(rows, true),
  ].join('\n')
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    console.error(error)
    process.exitCode = 1
  },
)
