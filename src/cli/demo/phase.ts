import { type ChildProcess, fork } from 'node:child_process'
import path from 'node:path'
import { CliError } from '../errors.js'
import { instanceScript } from './instance-script.js'
import type {
  ControlMessage,
  InstanceMessage,
  InstanceResult,
  InstanceSample,
  InstanceSettings,
} from './protocol.js'
import { SETTINGS_ENV } from './protocol.js'
import type { WorkloadShape } from './workload.js'

export interface PhaseOptions {
  readonly mode: 'cache' | 'direct'
  readonly instances: number
  readonly durationMs: number
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
  onProgress(progress: PhaseProgress): void
}

export interface PhaseProgress {
  readonly elapsedMs: number
  readonly totals: Totals
}

/** Figures summed over every instance (cumulative since the phase started). */
export type Totals = Omit<InstanceSample, 'tick'>

export interface TimelinePoint extends Totals {
  /** Seconds since the phase started. */
  readonly at: number
}

export interface PhaseResult {
  readonly mode: 'cache' | 'direct'
  readonly durationMs: number
  readonly timeline: readonly TimelinePoint[]
  readonly readers: readonly InstanceResult[]
  readonly writer: InstanceResult
  readonly readLogs: readonly string[]
  readonly totals: Totals
}

/** Runs the instances (readers and one writer) as child processes for one measured phase. */
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
    const started = performance.now()
    children.forEach((child, index) => {
      child.on('message', (message: InstanceMessage) => {
        if (message.type !== 'sample') return
        samples[index]?.push(message.sample)
        if (index === 0)
          options.onProgress({ elapsedMs: performance.now() - started, totals: sumLatest(samples) })
      })
    })
    const done = children.map((child) =>
      expect(child, 'done', options.durationMs + 30_000, options.signal).then(
        (message) => (message as Extract<InstanceMessage, { type: 'done' }>).result,
      ),
    )
    for (const child of children)
      child.send({ type: 'start', durationMs: options.durationMs } satisfies ControlMessage)
    const results = await Promise.all(done)
    const writer = results.pop() as InstanceResult
    return {
      mode: options.mode,
      durationMs: options.durationMs,
      timeline: timeline(samples, options.sampleEveryMs),
      readers: results,
      writer,
      readLogs,
      totals: sumTotals([...results, writer].map((result) => result.final)),
    }
  } finally {
    options.signal.removeEventListener('abort', kill)
    kill()
  }
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
      child.off('exit', onExit)
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
    child.once('exit', onExit)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

function sumLatest(samples: readonly (readonly InstanceSample[])[]): Totals {
  return sumTotals(samples.map((list) => list.at(-1)).filter((sample) => sample !== undefined))
}

function sumTotals(samples: readonly InstanceSample[]): Totals {
  const tiers = new Map<string, { name: string; hits: number; misses: number }>()
  const totals = { requests: 0, served: 0, failed: 0, dbQueries: 0, writes: 0 }
  for (const sample of samples) {
    totals.requests += sample.requests
    totals.served += sample.served
    totals.failed += sample.failed
    totals.dbQueries += sample.dbQueries
    totals.writes += sample.writes
    for (const tier of sample.tiers) {
      const sum = tiers.get(tier.name) ?? { name: tier.name, hits: 0, misses: 0 }
      sum.hits += tier.hits
      sum.misses += tier.misses
      tiers.set(tier.name, sum)
    }
  }
  return { ...totals, tiers: [...tiers.values()] }
}

/** Per sampling tick, the sum over instances of their latest sample at or before that tick. */
function timeline(samples: readonly (readonly InstanceSample[])[], everyMs: number): TimelinePoint[] {
  const lastTick = Math.min(...samples.map((list) => list.at(-1)?.tick ?? 0))
  const points: TimelinePoint[] = []
  for (let tick = 1; tick <= lastTick; tick++) {
    const atTick = samples
      .map((list) => list.filter((sample) => sample.tick <= tick).at(-1))
      .filter((sample) => sample !== undefined)
    points.push({ at: (tick * everyMs) / 1000, ...sumTotals(atTick) })
  }
  return points
}
