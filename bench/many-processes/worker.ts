/**
 * One application process of the many-processes workload (started by run.ts): its own memory tier,
 * the shared Redis, Zipf traffic from CALLERS concurrent callers with 1 % writes. For each
 * `{ type: 'run' }` message it runs for `ms` and answers with its counts; writes are logged always and
 * reads when `record` is set, so that run.ts can check every recorded read against every
 * acknowledged write. Versions: the loader answers version 0; a write stores the next version of a
 * key this process owns (key index ≡ WORKER mod WORKERS), one write per key at a time.
 */
import { writeFileSync } from 'node:fs'
import { createDataset, productFor } from '../lib/dataset.js'
import { openSharedCache } from './open-library.js'
import { RecordLog } from './record-log.js'

const env = (name: string): string => {
  const value = process.env[name]
  if (value === undefined) throw new Error(`worker needs ${name}`)
  return value
}
const worker = Number(env('WORKER'))
const workers = Number(env('WORKERS'))
const callers = Number(env('CALLERS'))
const keyCount = Number(env('KEYS'))
const writeShare = Number(env('WRITE_SHARE'))
const now = () => performance.timeOrigin + performance.now()

const dataset = createDataset(keyCount, 1 << 20, 0.99)
const versions = new Int32Array(keyCount)
const writing = new Set<number>()
const reads = new RecordLog()
const writes = new RecordLog()

/** A seeded xorshift generator per process, so a run can be repeated. */
let state = (worker + 1) * 2654435761 || 1
function random(): number {
  state ^= state << 13
  state ^= state >>> 17
  state ^= state << 5
  return (state >>> 0) / 4294967296
}

/** The key of this process's nearest to `id` (each key is written by one process only). */
function ownedNear(id: number): number {
  const owned = id - (id % workers) + worker
  return owned < keyCount ? owned : owned - workers
}

function versionOf(value: unknown): number {
  return (value as { version?: number }).version ?? 0
}

async function main(): Promise<void> {
  const cache = await openSharedCache(env('LIBRARY'), {
    hotUrl: env('HOT_URL'),
    warmUrl: env('WARM_URL'),
    scope: env('SCOPE'),
    memoryEntries: Number(env('MEMORY_ENTRIES')),
    load: (key) => dataset.load(key),
  })
  let recording = false

  async function operate(id: number): Promise<boolean> {
    if (random() < writeShare) {
      const key = ownedNear(id)
      if (!writing.has(key)) {
        writing.add(key)
        const version = (versions[key] as number) + 1
        versions[key] = version
        await cache.write(`product:${key}`, { ...productFor(key), version })
        writes.add(key, version, now())
        writing.delete(key)
        return true
      }
    }
    const key = `product:${id}`
    const startedAt = now()
    const value = await cache.read(key, () => dataset.load(key))
    if (recording) reads.add(id, versionOf(value), startedAt)
    return false
  }

  async function caller(start: number, deadline: number): Promise<{ ops: number; writes: number }> {
    const mask = dataset.order.length - 1
    let i = start
    let ops = 0
    let written = 0
    while (performance.now() < deadline) {
      for (let n = 0; n < 32; n++) {
        if (await operate(dataset.order[i++ & mask] as number)) written++
      }
      ops += 32
      await new Promise(setImmediate)
    }
    return { ops, writes: written }
  }

  async function run(ms: number) {
    const stride = Math.floor(dataset.order.length / (workers * callers))
    const cpuBefore = process.cpuUsage()
    const started = performance.now()
    const counts = await Promise.all(
      Array.from({ length: callers }, (_, c) => caller((worker * callers + c) * stride, started + ms)),
    )
    const elapsedMs = performance.now() - started
    const cpu = process.cpuUsage(cpuBefore)
    return {
      ops: counts.reduce((sum, count) => sum + count.ops, 0),
      writes: counts.reduce((sum, count) => sum + count.writes, 0),
      elapsedMs,
      cpuMicros: cpu.user + cpu.system,
    }
  }

  process.on('message', async (message: { type: string; ms?: number; record?: boolean; file?: string }) => {
    if (message.type === 'run') {
      recording = message.record ?? false
      const result = await run(message.ms as number)
      recording = false
      process.send?.({ type: 'result', ...result })
    } else if (message.type === 'log') {
      const file = message.file as string
      writeFileSync(`${file}.reads`, reads.bytes())
      writeFileSync(`${file}.writes`, writes.bytes())
      process.send?.({ type: 'logged' })
    } else if (message.type === 'stop') {
      await cache.close()
      process.exit(0)
    }
  })
  process.send?.({ type: 'ready' })
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
