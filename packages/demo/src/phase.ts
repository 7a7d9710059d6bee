import { type ChildProcess, fork } from 'node:child_process'
import { loadavg } from 'node:os'
import path from 'node:path'
import { CliError } from '../../../src/cli/errors.js'
import type { CpuProbe } from './cpu.js'
import { cpuPressure } from './cpu-pressure.js'
import { LatencyHistogram } from './histogram.js'
import { instanceScript } from './instance-script.js'
import type {
  ControlMessage,
  InstanceMessage,
  InstanceResult,
  InstanceSample,
  InstanceSettings,
} from './protocol.js'
import { SETTINGS_ENV } from './protocol.js'
import { hasSettled, type SettleSample } from './settle.js'
import type { WorkloadShape } from './workload.js'

export interface PhaseOptions {
  readonly mode: 'cache' | 'direct'
  readonly instances: number
  /** How long the measured phase lasts, after the warm-up. */
  readonly durationMs: number
  /** The longest warm-up: measuring starts then even if the figures are still moving (0: no warm-up). */
  readonly maxWarmupMs: number
  /** Requests per second offered by each instance. */
  readonly rate: number
  readonly writeRate: number
  readonly shape: WorkloadShape
  readonly databaseUrl: string
  readonly table: string
  readonly hotUrl: string
  readonly warmUrl: string
  readonly namespace: string
  readonly workDir: string
  readonly sampleEveryMs: number
  readonly seed: number
  readonly signal: AbortSignal
  readonly cpuOfOthers: CpuProbe
  onProgress(progress: PhaseProgress): void
}

export type Stage = 'warm-up' | 'measuring'

export interface PhaseProgress {
  readonly stage: Stage
  /** Since the stage began. */
  readonly elapsedMs: number
  readonly totals: Totals
}

/** Counters summed over every instance (cumulative since the phase started). */
export type Totals = Omit<InstanceSample, 'tick' | 'atMs' | 'interval' | 'cpuMicros'>

export interface TimelinePoint extends Totals {
  /** Seconds since the measured phase began (negative during the warm-up). */
  readonly at: number
  /** Since the previous point, over every reader: p99 of request latency (µs). */
  readonly requestP99: number
  /** Since the previous point, per instance (readers, then the writer): p99 event-loop delay (µs). */
  readonly eventLoopP99: readonly number[]
}

/** CPU time a process used during the measured phase. */
export interface CpuShare {
  readonly name: string
  readonly cpuMicros: number
}

export interface PhaseResult {
  readonly mode: 'cache' | 'direct'
  readonly warmupMs: number
  /** Whether the warm-up ended because the figures had settled (not at its time limit). */
  readonly settled: boolean
  /** The measured phase's length (the mean over the instances, which each time their own). */
  readonly measuredMs: number
  /** The machine's 1-minute load average at the end of the measured phase (0 where unknown). */
  readonly loadAverage: number
  /** The share of the last minute some process waited for a CPU (Linux), at the same moment. */
  readonly cpuPressure: number | undefined
  readonly timeline: readonly TimelinePoint[]
  readonly readers: readonly InstanceResult[]
  readonly writer: InstanceResult
  readonly readLogs: readonly string[]
  /** Every process's CPU time over the measured phase: instances, then the Redis servers and the demo. */
  readonly cpu: readonly CpuShare[]
}

/**
 * Runs the instances (readers and one writer) as child processes: a warm-up until the figures settle
 * (at most `maxWarmupMs`), then a measured phase of `durationMs`.
 */
export async function runPhase(options: PhaseOptions): Promise<PhaseResult> {
  const script = instanceScript()
  const readLogs: string[] = []
  const settingsFor = (role: 'reader' | 'writer', index: number): InstanceSettings => {
    const readLog =
      role === 'reader' && options.mode === 'cache'
        ? path.join(options.workDir, `reads-${options.mode}-${index}.bin`)
        : undefined
    if (readLog) readLogs.push(readLog)
    return {
      role,
      index,
      mode: options.mode,
      databaseUrl: options.databaseUrl,
      table: options.table,
      hotUrl: options.hotUrl,
      warmUrl: options.warmUrl,
      namespace: options.namespace,
      ...options.shape,
      rate: role === 'writer' ? options.writeRate : options.rate,
      users: 32,
      poolSize: role === 'writer' ? 2 : 8,
      sampleEveryMs: options.sampleEveryMs,
      readLog,
      seed: options.seed * 7919 + index * 104_729 + (role === 'writer' ? 1 : 0),
    }
  }
  const roles: ['reader' | 'writer', number][] = [
    ...Array.from({ length: options.instances }, (_, index): ['reader', number] => ['reader', index]),
    ['writer', options.instances],
  ]
  const children = roles.map(([role, index]) =>
    fork(script, [], {
      env: { ...process.env, [SETTINGS_ENV]: JSON.stringify(settingsFor(role, index)) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  )
  const samples: InstanceSample[][] = children.map(() => [])
  const kill = () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
  options.signal.addEventListener('abort', kill, { once: true })
  try {
    await Promise.all(children.map((child) => expect(child, 'ready', 30_000, options.signal)))
    const warmup = watchWarmup(children, samples, options)
    for (const child of children) child.send({ type: 'start' } satisfies ControlMessage)
    const settled = await warmup.settled
    const cpuBefore = await options.cpuOfOthers()
    const done = children.map((child) =>
      expect(child, 'done', options.durationMs + 60_000, options.signal).then(
        (message) => (message as Extract<InstanceMessage, { type: 'done' }>).result,
      ),
    )
    for (const child of children)
      child.send({ type: 'measure', durationMs: options.durationMs } satisfies ControlMessage)
    const warmupMs = warmup.stageStarted('measuring')
    const results = await Promise.all(done)
    const cpuAfter = await options.cpuOfOthers()
    const [loadAverage = 0] = loadavg()
    const writer = results.pop() as InstanceResult
    return {
      mode: options.mode,
      warmupMs,
      settled,
      loadAverage,
      cpuPressure: cpuPressure(),
      measuredMs: results.reduce((total, result) => total + result.measuredMs, 0) / results.length,
      timeline: timeline(samples, warmupMs),
      readers: results,
      writer,
      readLogs,
      cpu: [
        ...[...results, writer].map((result, index) => ({
          name: index < results.length ? `instance ${index + 1}` : 'writer',
          cpuMicros: result.final.cpuMicros - result.measureStart.cpuMicros,
        })),
        ...cpuAfter.map((after, index) => ({
          name: after.name,
          cpuMicros: after.cpuMicros - (cpuBefore[index]?.cpuMicros ?? Number.NaN),
        })),
      ],
    }
  } finally {
    options.signal.removeEventListener('abort', kill)
    kill()
  }
}

/**
 * Follows the samples during the warm-up: reports progress, and resolves `settled` with true once
 * the readers' figures have settled, or with false at the warm-up's time limit.
 */
function watchWarmup(
  children: readonly ChildProcess[],
  samples: InstanceSample[][],
  options: PhaseOptions,
): { settled: Promise<boolean>; stageStarted(stage: Stage): number } {
  const started = performance.now()
  let stage: { name: Stage; at: number } = { name: 'warm-up', at: started }
  const history: SettleSample[] = []
  let settle: (settled: boolean) => void = () => {}
  const settled = new Promise<boolean>((resolve) => {
    settle = resolve
  })
  const limit = setTimeout(() => settle(false), options.maxWarmupMs)
  children.forEach((child, index) => {
    child.on('message', (message: InstanceMessage) => {
      if (message.type !== 'sample') return
      samples[index]?.push(message.sample)
      if (index !== 0) return
      const readers = samples.slice(0, options.instances)
      const totals = sumLatest(samples)
      const readerTotals = sumLatest(readers)
      history.push({
        atMs: performance.now() - started,
        served: readerTotals.served,
        dbReads: readerTotals.dbReads,
        memory: readerTotals.answeredBy.memory,
      })
      if (stage.name === 'warm-up' && hasSettled(history, settleWindowRequests(options))) settle(true)
      options.onProgress({ stage: stage.name, elapsedMs: performance.now() - stage.at, totals })
    })
  })
  void settled.then(() => clearTimeout(limit))
  return {
    settled,
    stageStarted(name) {
      stage = { name, at: performance.now() }
      return stage.at - started
    },
  }
}

/**
 * Requests per settle window: what the instances serve in a second at their offered rate, so that a
 * starved run (fewer requests a second) takes longer windows instead of settling early.
 */
function settleWindowRequests(options: PhaseOptions): number {
  return options.instances * options.rate
}

/** Resolves with the child's first message of `type`; rejects if it fails, exits or takes too long. */
function expect(
  child: ChildProcess,
  type: InstanceMessage['type'],
  timeoutMs: number,
  signal: AbortSignal,
): Promise<InstanceMessage> {
  return new Promise((resolve, reject) => {
    const finish = (error: Error | undefined, message?: InstanceMessage) => {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('close', onExit)
      signal.removeEventListener('abort', onAbort)
      if (error) reject(error)
      else resolve(message as InstanceMessage)
    }
    const onMessage = (message: InstanceMessage) => {
      if (message.type === type) finish(undefined, message)
      else if (message.type === 'failed') finish(new CliError(`a demo instance failed: ${message.message}`))
    }
    const onExit = (code: number | null) => finish(new CliError(`a demo instance exited (${code}) early`))
    const onAbort = () => finish(new CliError('interrupted'))
    const timer = setTimeout(
      () => finish(new CliError(`a demo instance sent no "${type}" in time`)),
      timeoutMs,
    )
    child.on('message', onMessage)
    // 'close', not 'exit': a process may exit before its last (large) message has been read.
    child.once('close', onExit)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

function sumLatest(samples: readonly (readonly InstanceSample[])[]): Totals {
  return sumTotals(samples.map((list) => list.at(-1)).filter((sample) => sample !== undefined))
}

/** The counters of `samples` added up (each instance's sample at the same moment). */
export function sumTotals(samples: readonly Omit<InstanceSample, 'tick' | 'atMs' | 'interval'>[]): Totals {
  const tiers = new Map<string, { name: string; hits: number; misses: number }>()
  const totals = { requests: 0, served: 0, failed: 0, dbReads: 0, dbWrites: 0 }
  const answeredBy = { memory: 0, redis: 0, database: 0 }
  for (const sample of samples) {
    totals.requests += sample.requests
    totals.served += sample.served
    totals.failed += sample.failed
    totals.dbReads += sample.dbReads
    totals.dbWrites += sample.dbWrites
    answeredBy.memory += sample.answeredBy.memory
    answeredBy.redis += sample.answeredBy.redis
    answeredBy.database += sample.answeredBy.database
    for (const tier of sample.tiers) {
      const sum = tiers.get(tier.name) ?? { name: tier.name, hits: 0, misses: 0 }
      sum.hits += tier.hits
      sum.misses += tier.misses
      tiers.set(tier.name, sum)
    }
  }
  return { ...totals, answeredBy, tiers: [...tiers.values()] }
}

/**
 * Per sampling tick, the sum over instances of their latest sample at or before that tick, with the
 * request latency p99 over the readers' samples of that tick and each instance's event-loop delay.
 */
function timeline(samples: readonly (readonly InstanceSample[])[], warmupMs: number): TimelinePoint[] {
  const lastTick = Math.min(...samples.map((list) => list.at(-1)?.tick ?? 0))
  const points: TimelinePoint[] = []
  for (let tick = 1; tick <= lastTick; tick++) {
    const atTick = samples.map((list) => list.filter((sample) => sample.tick <= tick).at(-1))
    const present = atTick.filter((sample) => sample !== undefined)
    const current = present.filter((sample) => sample.tick === tick)
    const requests = new LatencyHistogram()
    for (const sample of current)
      if (sample.interval.requestLatency) requests.merge(sample.interval.requestLatency)
    const atMs = current.reduce((total, sample) => total + sample.atMs, 0) / (current.length || 1)
    points.push({
      at: (atMs - warmupMs) / 1000,
      ...sumTotals(present),
      requestP99: requests.count > 0 ? requests.percentile(99) : Number.NaN,
      eventLoopP99: atTick.map((sample) =>
        sample?.tick === tick ? sample.interval.eventLoopP99 : Number.NaN,
      ),
    })
  }
  return points
}
