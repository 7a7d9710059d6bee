import { isDeepStrictEqual } from 'node:util'
import type { SubjectContext, SubjectFactory } from '../libraries/common.js'
import { createDataset, type Dataset, productFor } from './dataset.js'
import type { BenchEnv } from './env.js'
import { openLink } from './link.js'
import {
  type CallerLoop,
  compileCallerLoop,
  measureRun,
  type Sample,
  WARMUP_MAX_ROUNDS,
  WARMUP_MIN_OPS,
  walkWholeOrder,
} from './measure.js'
import { RunProfiler } from './profiler.js'
import { type Summary, summarize } from './stats.js'
import type { Subject } from './subject.js'
import type { Workload } from './workload.js'

export interface RunSettings {
  readonly runs: number
  readonly durationMs: number
  readonly warmupMs: number
  /** Row names to run; empty means every row of the workload. */
  readonly libraries: readonly string[]
  /** Directory for a CPU profile of the measured runs; none when undefined. */
  readonly profileDir?: string | undefined
}

export interface RowResult {
  readonly name: string
  readonly kind: Subject['kind']
  readonly version: string
  readonly config: string
  readonly samples: readonly Sample[]
  readonly opsPerSec: Summary
  /** Loader calls during measured runs: a hit benchmark must have none. */
  readonly loadsDuringRuns: number
  /** Redis commands the server processed during measured runs, and per operation. */
  readonly redisCommands: number
  readonly redisCommandsPerOp: number
  /** Median over runs of this process's CPU µs per operation. */
  readonly cpuMicrosPerOp: number
  /** redis-server CPU µs per operation, over all measured runs. */
  readonly redisCpuMicrosPerOp: number
  /** Loader calls per 100,000 operations during measured runs. */
  readonly loadsPer100kOps: number
  /** The row's own note (e.g. hit ratio per tier), if it gives one. */
  readonly details: string | undefined
}

export interface TargetResult {
  readonly label: string
  readonly against: string
  /** `ops/s`: tiercache's over the other's; `redis-cpu`: the other's Redis CPU µs/op over tiercache's. */
  readonly metric: 'ops/s' | 'redis-cpu'
  readonly ratio: number
  readonly atLeast: number
  readonly met: boolean
}

export interface WorkloadResult {
  readonly workload: string
  readonly title: string
  readonly description: string
  readonly callers: number
  readonly keyCount: number
  readonly settings: RunSettings
  readonly startedAt: string
  readonly rows: readonly RowResult[]
  readonly targets: readonly TargetResult[]
  /** Problems that make a row's figure meaningless (it loaded, or touched Redis when it must not). */
  readonly warnings: readonly string[]
}

interface Tracked {
  subject: Subject
  /** Creates the row's library again (cold-start workloads start every measured run from a new one). */
  readonly recreate: () => Promise<Subject>
  readonly loop: CallerLoop
  readonly samples: Sample[]
  loads: number
  redisCommands: number
  redisCpuSeconds: number
  details?: string | undefined
}

/**
 * Runs `row` unmeasured: through the whole key order first if the workload asks for it, then for
 * `warmupMs`, and again until it has run WARMUP_MIN_OPS operations.
 */
async function warmUp(row: Tracked, dataset: Dataset, workload: Workload, warmupMs: number): Promise<void> {
  const { shape } = workload
  let ops = workload.warmUpWholeOrder ? await walkWholeOrder(row.subject.op, dataset, shape) : 0
  for (let round = 0; round < WARMUP_MAX_ROUNDS && (round === 0 || ops < WARMUP_MIN_OPS); round++) {
    ops += (await measureRun(row.loop, row.subject.op, dataset, shape, warmupMs)).ops
  }
}

/** Every call asks for a key never asked before, so every call misses every tier. */
function withFreshKeys(subject: Subject): Subject {
  let counter = 0
  return { ...subject, op: (key: string) => subject.op(`${key}#${counter++}`) }
}

/**
 * Sets a workload up, checks that every row returns the right value, warms each row up, then measures
 * `runs` rounds. Each round runs every row once, starting from a different row each time, so that
 * slow drifts of a noisy machine are spread over all libraries instead of hitting one.
 */
export async function runWorkload(
  workload: Workload,
  env: BenchEnv,
  settings: RunSettings,
  log: (line: string) => void,
): Promise<WorkloadResult> {
  const startedAt = new Date().toISOString()
  const dataset = createDataset(workload.keyCount, workload.orderLength, workload.distribution?.zipf)
  log(`[${workload.name}] setting up ${workload.keyCount} keys ...`)
  const link =
    workload.linkDelayMs === undefined ? undefined : await openLink(env.redisUrl, workload.linkDelayMs)
  const linkedEnv = link === undefined ? env : { ...env, redisUrl: link.url }
  const subjects = await createSubjects(workload, linkedEnv, dataset, settings.libraries).catch(
    async (error: unknown) => {
      await link?.close()
      throw error
    },
  )
  const prepare = (subject: Subject) => (workload.freshKeys ? withFreshKeys(subject) : subject)
  const tracked: Tracked[] = subjects.map(({ subject, factory }) => ({
    subject: prepare(subject),
    recreate: async () => prepare(await factory.create(subjectContext(workload, linkedEnv, dataset))),
    loop: compileCallerLoop(subject.name),
    samples: [],
    loads: 0,
    redisCommands: 0,
    redisCpuSeconds: 0,
  }))
  try {
    for (const { subject } of tracked) await verify(subject, dataset.keys)
    if (settings.warmupMs > 0) {
      for (const row of tracked) await warmUp(row, dataset, workload, settings.warmupMs)
    }
    for (const { subject } of tracked) subject.mark?.()
    const profiler = settings.profileDir === undefined ? undefined : new RunProfiler(settings.profileDir)
    await profiler?.start()
    for (let run = 0; run < settings.runs; run++) {
      const line: string[] = []
      for (let i = 0; i < tracked.length; i++) {
        const row = tracked[(run + i) % tracked.length] as Tracked
        if (workload.coldStart) await startCold(row, env)
        const loadsBefore = dataset.loads
        const commandsBefore = await env.commandsProcessed()
        const redisCpuBefore = await env.serverCpuSeconds()
        const sample = await measureRun(
          row.loop,
          row.subject.op,
          dataset,
          workload.shape,
          settings.durationMs,
        )
        row.redisCpuSeconds += (await env.serverCpuSeconds()) - redisCpuBefore
        row.redisCommands += (await env.commandsProcessed()) - commandsBefore
        row.loads += dataset.loads - loadsBefore
        row.samples.push(sample)
        line.push(`${row.subject.name} ${formatOps(sample.opsPerSec)}`)
      }
      log(`[${workload.name}] run ${run + 1}/${settings.runs}: ${line.join(' | ')}`)
    }
    const profile = await profiler?.stop(
      `${workload.name}-${tracked.map((row) => row.subject.name).join('+')}`,
    )
    if (profile) log(`[${workload.name}] CPU profile of the measured runs: ${profile}`)
    for (const row of tracked) row.details = row.subject.details?.()
  } finally {
    for (const { subject } of tracked) await subject.close().catch(() => undefined)
    await link?.close()
  }
  const rows = tracked.map(toRow)
  return {
    workload: workload.name,
    title: workload.title,
    description: workload.description,
    callers: workload.shape.callers,
    keyCount: workload.keyCount,
    settings,
    startedAt,
    rows,
    targets: evaluateTargets(workload, rows),
    warnings: findWarnings(workload, rows),
  }
}

/**
 * A cold start for one row: its library is closed, Redis emptied and the library created again, so
 * the measured run begins with empty memory and Redis tiers. Counters are re-marked on the new one.
 */
async function startCold(row: Tracked, env: BenchEnv): Promise<void> {
  await row.subject.close()
  await env.flushAll()
  row.subject = await row.recreate()
  row.subject.mark?.()
}

function subjectContext(workload: Workload, env: BenchEnv, dataset: Dataset): SubjectContext {
  return {
    env,
    dataset,
    layout: workload.layout,
    scope: workload.scope,
    populate: workload.populate ?? true,
    memoryEntries: workload.memoryEntries,
  }
}

async function createSubjects(
  workload: Workload,
  env: BenchEnv,
  dataset: Dataset,
  only: readonly string[],
): Promise<{ subject: Subject; factory: SubjectFactory }[]> {
  const created: { subject: Subject; factory: SubjectFactory }[] = []
  try {
    for (const factory of workload.libraries) {
      if (only.length > 0 && !only.includes(factory.name)) continue
      created.push({ subject: await factory.create(subjectContext(workload, env, dataset)), factory })
    }
  } catch (error) {
    for (const { subject } of created) await subject.close().catch(() => undefined)
    throw error
  }
  return created
}

/** A row that returns the wrong thing would be measured doing something else; refuse to measure it. */
async function verify(subject: Subject, keys: readonly string[]): Promise<void> {
  for (const index of [0, keys.length - 1]) {
    const value = await subject.op(keys[index] as string)
    if (
      !isDeepStrictEqual(value, productFor(index)) &&
      !isDeepStrictEqual(value, JSON.stringify(productFor(index)))
    ) {
      throw new Error(`${subject.name} returned ${JSON.stringify(value)} for ${keys[index]}`)
    }
  }
}

function toRow(row: Tracked): RowResult {
  const ops = row.samples.reduce((sum, sample) => sum + sample.ops, 0)
  return {
    name: row.subject.name,
    kind: row.subject.kind,
    version: row.subject.version,
    config: row.subject.config,
    samples: row.samples,
    opsPerSec: summarize(row.samples.map((sample) => sample.opsPerSec)),
    loadsDuringRuns: row.loads,
    redisCommands: row.redisCommands,
    redisCommandsPerOp: ops === 0 ? 0 : row.redisCommands / ops,
    cpuMicrosPerOp: summarize(row.samples.map((sample) => sample.cpuMicrosPerOp)).median,
    redisCpuMicrosPerOp: ops === 0 ? 0 : (row.redisCpuSeconds * 1e6) / ops,
    loadsPer100kOps: ops === 0 ? 0 : (row.loads / ops) * 100_000,
    details: row.details,
  }
}

function evaluateTargets(workload: Workload, rows: readonly RowResult[]): TargetResult[] {
  const subject = rows.find((row) => row.kind === 'tiercache')
  if (!subject) return []
  return workload.targets.flatMap((target) => {
    const other =
      target.against === 'best-peer'
        ? rows
            .filter((row) => row.kind === 'peer')
            .reduce<RowResult | undefined>(
              (best, row) =>
                best === undefined || row.opsPerSec.median > best.opsPerSec.median ? row : best,
              undefined,
            )
        : rows.find((row) => row.name === target.against)
    if (!other) return []
    const metric = target.metric ?? 'ops/s'
    const ratio =
      metric === 'ops/s'
        ? subject.opsPerSec.median / other.opsPerSec.median
        : other.redisCpuMicrosPerOp / subject.redisCpuMicrosPerOp
    const label = target.against === 'best-peer' ? `best peer (${other.name})` : other.name
    return [
      { label, against: other.name, metric, ratio, atLeast: target.atLeast, met: ratio >= target.atLeast },
    ]
  })
}

function findWarnings(workload: Workload, rows: readonly RowResult[]): string[] {
  const warnings: string[] = []
  for (const row of rows) {
    if (row.loadsDuringRuns > 0 && !workload.expectsLoads) {
      warnings.push(`${row.name} called its loader ${row.loadsDuringRuns} times during measured runs`)
    }
    // A few commands a second from some library's background timers (a heartbeat, say) show up in
    // every row; what must not happen is Redis traffic that grows with the operations measured.
    if (!workload.usesRedis && row.redisCommandsPerOp >= 1e-4) {
      warnings.push(
        `${row.name} sent ${row.redisCommands} Redis commands during measured runs (${row.redisCommandsPerOp.toFixed(4)} per operation)`,
      )
    }
  }
  return warnings
}

export function formatOps(opsPerSec: number): string {
  if (opsPerSec >= 1e6) return `${(opsPerSec / 1e6).toFixed(2)}M`
  if (opsPerSec >= 1e3) return `${(opsPerSec / 1e3).toFixed(1)}k`
  return opsPerSec.toFixed(0)
}
