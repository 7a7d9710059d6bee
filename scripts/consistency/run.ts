/**
 * The consistency checker: several application processes, each with its own memory tier, share a hot
 * and a warm Redis and a PostgreSQL table with a version column. They read and update at random; then
 * every read is checked against every acknowledged write. See docs/invalidation.md, "Consistency bound".
 *
 *   npm run check:consistency -- [--workers 3] [--reads 1000000] [--chaos none|kill-bus|restart-hot|restart-warm|stall-hot]
 */
import { type ChildProcess, fork } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { PRESETS } from '../../src/cli/redis/presets.js'
import { type RedisServer, startRedis } from '../../test/support/redis-server.js'
import {
  checkReads,
  percentile,
  propagationDelays,
  type ReadRecord,
  type ReceiptRecord,
  type WriteRecord,
} from './analyze.js'

export type Chaos = 'none' | 'kill-bus' | 'restart-hot' | 'restart-warm' | 'stall-hot'

export interface ConsistencyOptions {
  workers?: number
  /** Operations per worker (about 85 % product reads, 8 % category reads, 7 % updates). */
  operationsPerWorker?: number
  /** Concurrent loops per worker. */
  loops?: number
  products?: number
  categories?: number
  /** The bound B, in ms, checked: reads may be stale for at most this long after a write is acknowledged. */
  boundMs?: number
  chaos?: Chaos
  databaseUrl?: string
  seed?: number
}

export interface ConsistencyReport {
  readonly reads: number
  readonly writes: number
  readonly boundMs: number
  readonly staleBeyondBound: number
  readonly staleWithinBound: number
  readonly maxStalenessMs: number
  readonly examples: readonly string[]
  readonly propagationMs: {
    readonly samples: number
    readonly p50: number
    readonly p99: number
    readonly max: number
  }
  readonly errors: number
  readonly durationMs: number
  readonly chaosEvents: number
}

const workerScript = fileURLToPath(new URL('./worker.ts', import.meta.url))

export async function runConsistencyCheck(options: ConsistencyOptions = {}): Promise<ConsistencyReport> {
  const workers = options.workers ?? 3
  const operations = options.operationsPerWorker ?? 5000
  const products = options.products ?? 300
  const categories = options.categories ?? 10
  const boundMs = options.boundMs ?? 2000
  const chaos = options.chaos ?? 'none'
  const databaseUrl =
    options.databaseUrl ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
  const table = `tc_consistency_${process.pid}_${Math.floor(Math.random() * 1e9)}`
  const directory = mkdtempSync(path.join(tmpdir(), 'tiercache-consistency-'))
  const db = new pg.Client({ connectionString: databaseUrl })
  await db.connect()
  // The servers the demo and `tiercache redis up` start: a hot (LFU, no persistence) and a warm (AOF) tier.
  const [hot, warm] = (await Promise.all(
    PRESETS['hot-warm'].map((server) => startRedis({ args: [...server.args] })),
  )) as [RedisServer, RedisServer]
  const children: ChildProcess[] = []
  try {
    await db.query(`CREATE TABLE ${table} (id int PRIMARY KEY, category int NOT NULL, version int NOT NULL)`)
    await db.query(`INSERT INTO ${table} SELECT i, i % $1, 1 FROM generate_series(0, $2 - 1) AS i`, [
      categories,
      products,
    ])
    const logFiles = Array.from({ length: workers }, (_, i) => path.join(directory, `worker-${i}.jsonl`))
    const baseEnv = {
      ...process.env,
      WORKERS: String(workers),
      LOOPS: String(options.loops ?? 4),
      OPERATIONS: String(operations),
      PRODUCTS: String(products),
      CATEGORIES: String(categories),
      TABLE: table,
      DATABASE_URL: databaseUrl,
      HOT_URL: hot.url,
      WARM_URL: warm.url,
      SEED: String(options.seed ?? Date.now() % 100_000),
    }
    for (let i = 0; i < workers; i++) {
      children.push(
        fork(workerScript, [], {
          env: { ...baseEnv, WORKER: String(i), LOG_FILE: logFiles[i] },
          execArgv: ['--import', 'tsx'],
          stdio: 'inherit',
        }),
      )
    }
    await Promise.all(children.map((child) => message(child, 'ready')))
    const started = performance.now()
    const reached = Promise.all(children.map((child) => message(child, 'reached')))
    const done = Promise.all(children.map((child) => message(child, 'done')))
    done.catch(() => undefined) // awaited below; a worker that dies first rejects `reached` too
    for (const child of children) child.send('start')
    // The workers go on past their operations until told to stop: until the chaos has happened at least once.
    const chaosEvents = await runChaos(chaos, hot, warm, reached)
    await reached
    for (const child of children) child.send('stop')
    await done
    const durationMs = performance.now() - started
    return analyze(logFiles, workers, boundMs, durationMs, chaosEvents)
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
    await db.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined)
    await db.end()
    await Promise.all([hot.stop(), warm.stop()])
    rmSync(directory, { recursive: true, force: true })
  }
}

function message(child: ChildProcess, type: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (received: { type?: string }) => {
      if (received?.type !== type) return
      child.off('message', onMessage)
      resolve()
    }
    child.on('message', onMessage)
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before "${type}"`)))
  })
}

/**
 * Disturbs the servers until the workers have run their operations (`done`) and there has been at
 * least one disturbance; returns how many there were.
 */
async function runChaos(
  chaos: Chaos,
  hot: RedisServer,
  warm: RedisServer,
  done: Promise<unknown>,
): Promise<number> {
  if (chaos === 'none') return 0
  let finished = false
  void done.then(
    () => {
      finished = true
    },
    () => {
      finished = true
    },
  )
  let events = 0
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
  // The first disturbance comes early, so that a short run (the test's) ends soon after it.
  let wait = chaos === 'kill-bus' ? 200 : 500
  while (!(finished && events > 0)) {
    await pause(wait)
    wait = chaos === 'kill-bus' ? 200 : 1500
    if (finished && events > 0) break
    if (chaos === 'kill-bus') await hot.command('CLIENT', 'KILL', 'TYPE', 'pubsub').catch(() => undefined)
    else if (chaos === 'stall-hot') {
      // The server keeps its connections but answers nothing: only heartbeats can notice.
      hot.pause()
      await pause(2500)
      hot.resume()
    } else {
      const server = chaos === 'restart-hot' ? hot : warm
      await server.kill9()
      await pause(300)
      await server.restart()
    }
    events++
  }
  return events
}

function analyze(
  logFiles: readonly string[],
  workers: number,
  boundMs: number,
  durationMs: number,
  chaosEvents: number,
): ConsistencyReport {
  const reads: ReadRecord[] = []
  const writes: (WriteRecord & { worker: number; startedAt: number; keyWrittenAt: number })[] = []
  const receipts: ReceiptRecord[] = []
  let errors = 0
  logFiles.forEach((file, worker) => {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line === '') continue
      const record = JSON.parse(line) as {
        t: string
        k: string
        v: number
        s: number
        c: number
        a: number
        at: number
      }
      if (record.t === 'r') reads.push({ key: record.k, version: record.v, startedAt: record.s })
      else if (record.t === 'w') {
        writes.push({
          key: record.k,
          version: record.v,
          acknowledgedAt: record.a,
          startedAt: record.s,
          keyWrittenAt: record.c,
          worker,
        })
      } else if (record.t === 'i') receipts.push({ key: record.k, worker, at: record.at })
      else if (record.t === 'e') errors++
    }
  })
  const verdict = checkReads(reads, writes, boundMs)
  const delays = propagationDelays(
    writes.map((write) => ({ ...write, acknowledgedAt: write.keyWrittenAt })),
    receipts,
    workers,
  )
  return {
    ...verdict,
    boundMs,
    propagationMs: {
      samples: delays.length,
      p50: percentile(delays, 50),
      p99: percentile(delays, 99),
      max: delays.length ? Math.max(...delays) : Number.NaN,
    },
    errors,
    durationMs,
    chaosEvents,
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      workers: { type: 'string', default: '3' },
      reads: { type: 'string', default: '1000000' },
      loops: { type: 'string', default: '4' },
      bound: { type: 'string', default: '2000' },
      chaos: { type: 'string', default: 'none' },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) {
    console.log(`usage: npm run check:consistency -- [--workers N] [--reads N] [--loops N] [--bound ms] [--chaos none|kill-bus|restart-hot|restart-warm|stall-hot]
Starts its own hot and warm redis-server; uses PostgreSQL at DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).`)
    return
  }
  const workers = Number(values.workers)
  const chaos = values.chaos as Chaos
  if (!['none', 'kill-bus', 'restart-hot', 'restart-warm', 'stall-hot'].includes(chaos))
    throw new Error(`unknown --chaos ${chaos}`)
  // About 1.13 logged product reads per operation (category reads log one per listed product).
  const operationsPerWorker = Math.ceil(Number(values.reads) / workers / 1.6)
  const report = await runConsistencyCheck({
    workers,
    operationsPerWorker,
    loops: Number(values.loops),
    boundMs: Number(values.bound),
    chaos,
  })
  console.log(JSON.stringify(report, null, 2))
  if (report.staleBeyondBound > 0) process.exitCode = 1
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((error: unknown) => {
    console.error(error)
    process.exit(1)
  })
}
