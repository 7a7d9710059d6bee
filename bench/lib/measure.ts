import type { Dataset } from './dataset.js'

/**
 * One caller: awaits `op` on keys taken from `order` (starting at `start`), and reads the clock only
 * every `batch` operations. Returns how many operations it completed before `deadline`.
 */
export type CallerLoop = (
  op: (key: string) => Promise<unknown>,
  keys: readonly string[],
  order: Uint32Array,
  start: number,
  deadline: number,
  batch: number,
  yieldToEventLoop: boolean,
) => Promise<number>

const CALLER_LOOP_BODY = `
  const mask = order.length - 1
  let i = start
  let done = 0
  for (;;) {
    for (let n = 0; n < batch; n++) {
      await op(keys[order[i & mask]])
      i++
    }
    done += batch
    if (performance.now() >= deadline) return done
    if (yieldToEventLoop) await new Promise(setImmediate)
  }
`

const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (
  ...parameters: string[]
) => CallerLoop

let compiled = 0

/**
 * Compiles a private copy of the caller loop for one library. If all libraries shared one loop, the
 * `op(...)` call site would see several functions and turn megamorphic, adding the same dispatch cost
 * to every library and hiding the differences between the fastest ones. Each copy gets its own source
 * text (a unique comment), so V8 neither shares its type feedback nor reuses another copy's code.
 */
export function compileCallerLoop(label: string): CallerLoop {
  compiled++
  const tag = `// caller loop ${compiled} for ${label.replace(/[^\w .:()-]/g, '_')}\n`
  return new AsyncFunction(
    'op',
    'keys',
    'order',
    'start',
    'deadline',
    'batch',
    'yieldToEventLoop',
    tag + CALLER_LOOP_BODY,
  )
}

export interface RunShape {
  /** Concurrent callers (async loops). */
  readonly callers: number
  /** Operations between clock reads, per caller. */
  readonly batch: number
  /**
   * Let timers and I/O run after every batch (one setImmediate). A caller that only awaits settled
   * promises never leaves the microtask queue, so without this a library's timers (heartbeats,
   * reconnects, bus messages) would not run for a whole measured run, as they would in any real
   * process. Leave it off where callers await I/O anyway: there it would only split up batches.
   */
  readonly yieldToEventLoop?: boolean
}

export interface Sample {
  readonly opsPerSec: number
  readonly ops: number
  readonly elapsedMs: number
  /**
   * CPU time this process spent per operation (user + system, all threads, GC included), in µs. Less
   * sensitive than ops/s to other processes competing for the cores.
   */
  readonly cpuMicrosPerOp: number
}

/**
 * Operations every library runs before it is measured, however long that takes. V8 optimizes a function
 * only after many calls, and a library's slow path (a miss through three tiers) spans many functions:
 * in one long run of tiercache's miss path, stretches of 5,000 calls got about 1.5× faster over the
 * first 30,000, while a one-second warm-up is a few thousand misses.
 */
export const WARMUP_MIN_OPS = 30_000

/** Bound on warm-up rounds (of `warmupMs` each) for a library too slow to reach {@link WARMUP_MIN_OPS}. */
export const WARMUP_MAX_ROUNDS = 10

/** Runs `op` from `shape.callers` concurrent loops for `durationMs`; the clock stops when the last one returns. */
export async function measureRun(
  loop: CallerLoop,
  op: (key: string) => Promise<unknown>,
  dataset: Dataset,
  shape: RunShape,
  durationMs: number,
): Promise<Sample> {
  collectGarbage()
  const stride = Math.floor(dataset.order.length / shape.callers)
  const cpuBefore = process.cpuUsage()
  const started = performance.now()
  const deadline = started + durationMs
  const callers: Promise<number>[] = []
  for (let c = 0; c < shape.callers; c++) {
    callers.push(
      loop(
        op,
        dataset.keys,
        dataset.order,
        c * stride,
        deadline,
        shape.batch,
        shape.yieldToEventLoop ?? false,
      ),
    )
  }
  const counts = await Promise.all(callers)
  const elapsedMs = performance.now() - started
  const cpu = process.cpuUsage(cpuBefore)
  const ops = counts.reduce((sum, count) => sum + count, 0)
  return {
    opsPerSec: (ops / elapsedMs) * 1000,
    ops,
    elapsedMs,
    cpuMicrosPerOp: (cpu.user + cpu.system) / ops,
  }
}

/**
 * Walks the whole key order once, untimed: caller `c` of `shape.callers` awaits `op` on its own share,
 * the positions a measured run starts it on and goes on from. Returns the operations run.
 */
export async function walkWholeOrder(
  op: (key: string) => Promise<unknown>,
  dataset: Dataset,
  shape: RunShape,
): Promise<number> {
  const share = Math.floor(dataset.order.length / shape.callers)
  const walk = async (first: number) => {
    for (let i = first; i < first + share; i++) {
      await op(dataset.keys[dataset.order[i] as number] as string)
      if (shape.yieldToEventLoop && i % shape.batch === 0) await new Promise(setImmediate)
    }
  }
  await Promise.all(Array.from({ length: shape.callers }, (_, c) => walk(c * share)))
  return share * shape.callers
}

/**
 * A full collection before each run, when node runs with --expose-gc (npm run bench does), so that one
 * library's garbage is not collected on another library's clock.
 */
function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc
  if (typeof gc === 'function') gc()
}
