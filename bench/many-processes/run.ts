import { type ChildProcess, fork } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createClient } from 'redis'
import { checkReads, type ReadRecord, type WriteRecord } from '../../scripts/consistency/analyze.js'
import { type RedisServer, startRedis } from '../../test/support/redis-server.js'
import type { BenchEnv } from '../lib/env.js'
import { formatOps } from '../lib/runner.js'
import { type Summary, summarize } from '../lib/stats.js'
import { CONFIGS } from './open-library.js'
import { RecordLog } from './record-log.js'

/**
 * Several application processes sharing Redis: 4 processes, each with its own 10,000-entry memory
 * tier and 16 callers, Zipf(0.99) over 100,000 keys, 1 % of operations a `set` of a new version
 * (which each library announces to the other processes its own way). tiercache runs a hot and a warm
 * Redis (two servers); the peers, which have one Redis layer, run on the hot one. Measured: aggregate
 * ops/s, Redis commands and CPU per operation over both servers, bus messages (PUBLISH and SPUBLISH
 * calls) per write, and reads that returned a value older than one acknowledged more than the
 * consistency bound before the read began.
 */
export const MANY_PROCESSES = {
  processes: 4,
  callersPerProcess: 16,
  keys: 100_000,
  memoryEntries: 10_000,
  writeShare: 0.01,
  /** docs/invalidation.md, "Consistency bound": B = 2 s. */
  boundMs: 2000,
  /**
   * Warm-up operations per process before measuring, so that memory tiers and Redis have filled: with
   * 30,000, tiercache's ops/s still rose run after run (39k to 66k over 5 runs).
   */
  warmupOpsPerProcess: 200_000,
  warmupMaxRounds: 30,
} as const

export const MANY_PROCESSES_LIBRARIES = [
  'tiercache',
  'bentocache',
  'cache-manager',
  'layered-loader',
] as const
const workerScript = fileURLToPath(new URL('./worker.ts', import.meta.url))

export interface ManyProcessesRow {
  readonly library: string
  readonly config: string
  readonly opsPerSec: Summary
  readonly cpuMicrosPerOp: number
  readonly redisCommandsPerOp: number
  readonly redisCpuMicrosPerOp: number
  readonly writes: number
  readonly busMessagesPerWrite: number
  readonly readsChecked: number
  readonly staleWithinBound: number
  readonly staleBeyondBound: number
  readonly maxStalenessMs: number
}

interface WorkerResult {
  readonly ops: number
  readonly writes: number
  readonly elapsedMs: number
  readonly cpuMicros: number
}

/** Counters of one Redis server: commands, CPU seconds, and PUBLISH + SPUBLISH calls. */
interface ServerCounters {
  readonly commands: number
  readonly cpuSeconds: number
  readonly publishes: number
}

/** How one library's row is run: the bench's own options (see bench/lib/cli.ts). */
interface ManyProcessesSettings {
  readonly runs: number
  readonly durationMs: number
  readonly warmupMs: number
  /** Each worker writes a CPU profile of its whole life here. */
  readonly profileDir?: string | undefined
}

export async function runManyProcesses(
  env: BenchEnv,
  settings: ManyProcessesSettings & { readonly libraries: readonly string[] },
  log: (line: string) => void,
): Promise<ManyProcessesRow[]> {
  const warm = await startRedis()
  const probes = await Promise.all([env.redisUrl, warm.url].map(openProbe))
  const logDir = mkdtempSync(path.join(tmpdir(), 'bench-many-processes-'))
  const rows: ManyProcessesRow[] = []
  try {
    for (const library of MANY_PROCESSES_LIBRARIES) {
      if (settings.libraries.length > 0 && !settings.libraries.includes(library)) continue
      rows.push(await runLibrary(library, env.redisUrl, warm, probes, logDir, settings, log))
    }
  } finally {
    for (const probe of probes) await probe.close()
    await warm.stop()
    rmSync(logDir, { recursive: true, force: true })
  }
  return rows
}

async function runLibrary(
  library: string,
  hotUrl: string,
  warm: RedisServer,
  probes: readonly Probe[],
  logDir: string,
  settings: ManyProcessesSettings,
  log: (line: string) => void,
): Promise<ManyProcessesRow> {
  const workers = Array.from({ length: MANY_PROCESSES.processes }, (_, i) =>
    startWorker(library, i, hotUrl, warm.url, settings.profileDir),
  )
  try {
    await Promise.all(workers.map((worker) => nextMessage(worker, 'ready')))
    const runAll = (ms: number, record: boolean) =>
      Promise.all(
        workers.map((worker) => {
          const result = nextMessage<WorkerResult>(worker, 'result')
          worker.send({ type: 'run', ms, record })
          return result
        }),
      )
    let warmOps = 0
    for (
      let round = 0;
      round < MANY_PROCESSES.warmupMaxRounds &&
      (round === 0 || warmOps < MANY_PROCESSES.warmupOpsPerProcess * workers.length);
      round++
    ) {
      warmOps += (await runAll(settings.warmupMs, false)).reduce((sum, result) => sum + result.ops, 0)
    }
    const opsPerSec: number[] = []
    const cpuPerOp: number[] = []
    let ops = 0
    let writes = 0
    let commands = 0
    let cpuSeconds = 0
    let publishes = 0
    for (let run = 0; run < settings.runs; run++) {
      const before = await Promise.all(probes.map((probe) => probe.counters()))
      const results = await runAll(settings.durationMs, true)
      const after = await Promise.all(probes.map((probe) => probe.counters()))
      const runOps = results.reduce((sum, result) => sum + result.ops, 0)
      opsPerSec.push((runOps / Math.max(...results.map((result) => result.elapsedMs))) * 1000)
      cpuPerOp.push(results.reduce((sum, result) => sum + result.cpuMicros, 0) / runOps)
      ops += runOps
      writes += results.reduce((sum, result) => sum + result.writes, 0)
      after.forEach((counters, i) => {
        const earlier = before[i] as ServerCounters
        commands += counters.commands - earlier.commands
        cpuSeconds += counters.cpuSeconds - earlier.cpuSeconds
        publishes += counters.publishes - earlier.publishes
      })
      log(
        `[many-processes] ${library} run ${run + 1}/${settings.runs}: ${formatOps(opsPerSec.at(-1) as number)}`,
      )
    }
    const verdict = await checkStaleness(workers, path.join(logDir, library))
    log(
      `[many-processes] ${library}: ${verdict.reads} reads checked, ${verdict.staleBeyondBound} stale past ${MANY_PROCESSES.boundMs} ms${verdict.examples.length > 0 ? ` (e.g. ${verdict.examples[0]})` : ''}`,
    )
    return {
      library,
      config: CONFIGS[library] ?? library,
      opsPerSec: summarize(opsPerSec),
      cpuMicrosPerOp: summarize(cpuPerOp).median,
      redisCommandsPerOp: commands / ops,
      redisCpuMicrosPerOp: (cpuSeconds * 1e6) / ops,
      writes,
      busMessagesPerWrite: writes === 0 ? 0 : publishes / writes,
      readsChecked: verdict.reads,
      staleWithinBound: verdict.staleWithinBound,
      staleBeyondBound: verdict.staleBeyondBound,
      maxStalenessMs: verdict.maxStalenessMs,
    }
  } finally {
    for (const worker of workers) {
      if (worker.connected) worker.send({ type: 'stop' })
      setTimeout(() => worker.kill('SIGKILL'), 5000).unref()
    }
    await Promise.all(workers.map((worker) => exited(worker)))
  }
}

/**
 * Every worker writes its logs; each recorded read of a key that was ever written is checked against
 * every acknowledged write of that key, from any process (the checker of `npm run check:consistency`).
 */
async function checkStaleness(workers: readonly ChildProcess[], prefix: string) {
  await Promise.all(
    workers.map((worker, i) => {
      const logged = nextMessage(worker, 'logged')
      worker.send({ type: 'log', file: `${prefix}-${i}` })
      return logged
    }),
  )
  const writes: WriteRecord[] = []
  const reads: ReadRecord[] = []
  for (let i = 0; i < workers.length; i++) {
    for (const entry of RecordLog.parse(readFileSync(`${prefix}-${i}.writes`))) {
      writes.push({ key: `product:${entry.key}`, version: entry.version, acknowledgedAt: entry.at })
    }
  }
  const written = new Set(writes.map((write) => write.key))
  let readCount = 0
  for (let i = 0; i < workers.length; i++) {
    for (const entry of RecordLog.parse(readFileSync(`${prefix}-${i}.reads`))) {
      readCount++
      const key = `product:${entry.key}`
      if (written.has(key)) reads.push({ key, version: entry.version, startedAt: entry.at })
    }
  }
  return { ...checkReads(reads, writes, MANY_PROCESSES.boundMs), reads: readCount }
}

interface Probe {
  counters(): Promise<ServerCounters>
  close(): Promise<void>
}

async function openProbe(url: string): Promise<Probe> {
  const client = createClient({ url })
  client.on('error', () => undefined)
  await client.connect()
  let probeQueries = 0
  const info = async (section: string) => {
    probeQueries++
    return String(await client.sendCommand(['INFO', section]))
  }
  const number = (text: string, pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0)
  return {
    async counters() {
      const stats = await info('stats')
      const cpu = await info('cpu')
      const commandstats = await info('commandstats')
      return {
        commands: number(stats, /total_commands_processed:(\d+)/) - probeQueries,
        cpuSeconds: number(cpu, /used_cpu_user:([\d.]+)/) + number(cpu, /used_cpu_sys:([\d.]+)/),
        publishes:
          number(commandstats, /cmdstat_publish:calls=(\d+)/) +
          number(commandstats, /cmdstat_spublish:calls=(\d+)/),
      }
    },
    close: () => client.close().then(() => undefined),
  }
}

/** With `profileDir`, each worker writes a CPU profile of its whole life (warm-up included) there. */
function startWorker(
  library: string,
  index: number,
  hotUrl: string,
  warmUrl: string,
  profileDir: string | undefined,
): ChildProcess {
  const profile = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`]
  return fork(workerScript, [], {
    env: {
      ...process.env,
      LIBRARY: library,
      WORKER: String(index),
      WORKERS: String(MANY_PROCESSES.processes),
      CALLERS: String(MANY_PROCESSES.callersPerProcess),
      KEYS: String(MANY_PROCESSES.keys),
      MEMORY_ENTRIES: String(MANY_PROCESSES.memoryEntries),
      WRITE_SHARE: String(MANY_PROCESSES.writeShare),
      HOT_URL: hotUrl,
      WARM_URL: warmUrl,
      SCOPE: `bench-many-${library}`,
    },
    execArgv: [...profile, '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
}

function nextMessage<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`many-processes worker exited (${code}) before "${type}"`))
    const onMessage = (message: { type?: string }) => {
      if (message?.type !== type) return
      child.off('message', onMessage)
      child.off('exit', onExit)
      resolve(message as T)
    }
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('exit', () => resolve())
  })
}
