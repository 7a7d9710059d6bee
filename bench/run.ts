import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { parseOptions, usage } from './lib/cli.js'
import { type BenchEnv, openEnv } from './lib/env.js'
import { describeMachine, machineLine } from './lib/machine.js'
import {
  extractSection,
  formatMarkdown,
  formatText,
  updateBenchmarksFile,
  writeJsonReport,
} from './lib/report.js'
import { runWorkload, type WorkloadResult } from './lib/runner.js'
import { latestFigures, targetsSection } from './lib/targets.js'
import { BUILD_ENV, ensureBuilt } from './lib/tiercache-build.js'
import { manyProcessesTable, manyProcessesTargets } from './many-processes/report.js'
import {
  MANY_PROCESSES,
  MANY_PROCESSES_LIBRARIES,
  type ManyProcessesRow,
  runManyProcesses,
} from './many-processes/run.js'
import { runStampede, STAMPEDE, type StampedeRow, stampedeTable } from './stampede/run.js'
import { workloads } from './workloads/index.js'

const projectRoot = path.resolve(import.meta.dirname, '..')
/**
 * The throughput workloads, then the scenarios with runners of their own (processes): the stampede
 * (loader calls and time, not ops/s) and many processes sharing Redis with writes.
 */
const names = [...workloads.map((workload) => workload.name), 'stampede', 'many-processes']
/** The last section of BENCHMARKS.md: the performance goals, met or not, from the newest figures. */
const TARGETS = 'targets'

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
  const libraryNames = [
    ...new Set([
      ...workloads.flatMap((workload) => workload.libraries.map((l) => l.name)),
      ...MANY_PROCESSES_LIBRARIES,
    ]),
  ]
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
  if (options.build === 'dist') ensureBuilt((line) => console.error(line))
  const env: BenchEnv = await openEnv(options.build)
  // Worker processes (stampede, many-processes) inherit the environment: they load the same build.
  process.env[BUILD_ENV] = options.build
  const stop = () => {
    void env.close().finally(() => process.exit(130))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  const results: WorkloadResult[] = []
  let stampede: StampedeRow[] | undefined
  let manyProcesses: ManyProcessesRow[] | undefined
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
    if (options.workloads.length === 0 || options.workloads.includes('many-processes')) {
      manyProcesses = await runManyProcesses(env, options, (line) => console.error(line))
      console.log(
        `\n== Many processes: ${MANY_PROCESSES.processes} processes × ${MANY_PROCESSES.callersPerProcess} callers, Zipf(0.99), ${MANY_PROCESSES.writeShare * 100} % writes\n${manyProcessesTable(manyProcesses, false)}\n${manyProcessesTargets(
          manyProcesses,
        )
          .map((line) => `  ${line}`)
          .join('\n')}\n`,
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
      manyProcesses,
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
    if (manyProcesses) {
      const measured = `Measured ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machineLine(machine)}.`
      sections.set('many-processes', manyProcessesSection(manyProcesses, options, measured))
    }
    const file = path.join(projectRoot, 'BENCHMARKS.md')
    const previous = existsSync(file) ? (extractSection(readFileSync(file, 'utf8'), TARGETS) ?? '') : ''
    sections.set(TARGETS, targetsSection(latestFigures(path.join(projectRoot, 'reports')), previous))
    updateBenchmarksFile(file, [...names, TARGETS], sections)
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

function manyProcessesSection(
  rows: readonly ManyProcessesRow[],
  options: { runs: number; durationMs: number; warmupMs: number },
  measured: string,
): string {
  const { processes, callersPerProcess, keys, memoryEntries, writeShare, boundMs } = MANY_PROCESSES
  return [
    '## Many processes sharing Redis, with writes (many-processes)',
    '',
    `${processes} worker processes × ${callersPerProcess} callers, each process with its own ${memoryEntries.toLocaleString('en-US')}-entry memory tier, ` +
      `Zipf(0.99) over ${keys.toLocaleString('en-US')} keys; ${writeShare * 100} % of operations are a \`set\` of a new version of a key ` +
      '(each key is written by one process, one write at a time), which each library announces to the other processes its own way: ' +
      'tiercache over its sync bus, bentocache over its bus (`useBus(redisBusDriver)`), layered-loader over its notification pair; ' +
      '**cache-manager has no bus**: its `set` writes its own memory and Redis, and other processes keep serving their memory copy until its TTL (10 min). ' +
      'tiercache runs a hot and a warm Redis (two servers); the others have one Redis layer, on the hot server. ' +
      `${options.runs} measured runs of ${options.durationMs} ms per library (all processes at once) after a warm-up of at least ${options.warmupMs} ms and ` +
      `${MANY_PROCESSES.warmupOpsPerProcess.toLocaleString('en-US')} operations per process (until the caches have filled); libraries one after another. ` +
      'Ops/s is all processes’ operations over the run’s wall time; CPU µs/op is the workers’ CPU; Redis cmds/op and Redis CPU µs/op are summed over both servers ' +
      '(`INFO stats`, `INFO cpu` deltas over the measured runs); Bus msgs/write is PUBLISH + SPUBLISH calls (`INFO commandstats`) over writes, ' +
      'so it includes heartbeats (tiercache: one per process every 500 ms) and, for bentocache, the message it publishes for every value a load writes through (`getOrSet` on a miss), not only for `set`. ' +
      `Stale reads: every read of a written key in the measured runs, in any process, is checked against every acknowledged write of it, as \`npm run check:consistency\` does; ` +
      `stale past B counts reads that returned an older version than one acknowledged more than B = ${boundMs / 1000} s (docs/invalidation.md, "Consistency bound") before the read began. ` +
      'The loader answers version 0; written keys stay in Redis (1 h TTL) for the whole run.',
    '',
    measured,
    '',
    manyProcessesTable(rows, true),
    '',
    ...manyProcessesTargets(rows).map((line) => `- ${line}`),
    '',
    'Configuration:',
    '',
    ...rows.map((row) => `- **${row.library}**: ${row.config}`),
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
