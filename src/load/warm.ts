import type { CacheEvents } from '../cache-events.js'
import type { Duration } from '../duration.js'
import { toTimerMilliseconds } from '../duration.js'
import { InvalidOptionError } from '../errors.js'
import type { WriteOptions } from '../options.js'
import type { WarmProgress } from '../types/warm-progress.js'
import type { BatchLoader } from './batch.js'

/** Where keys to warm come from: a list, an async stream (a database cursor…), or a function giving either. */
export type WarmSource =
  | Iterable<string>
  | AsyncIterable<string>
  | (() => Iterable<string> | AsyncIterable<string>)

/** Options of `cache.warm()`. */
export interface WarmOptions extends WriteOptions {
  /** Keys per `getMany` call (one round trip per tier, one batch-loader call). Default 100. */
  batchSize?: number
  /** Batches in flight at once. Default 4. */
  concurrency?: number
  /** Called after every batch. */
  onProgress?: (progress: WarmProgress) => void
  /** Repeat the warm-up at this interval (the source is read again each time) until `stop()` or `close()`. */
  every?: Duration
}

/** A warm-up that repeats (`every`); `close()` stops it too. */
export interface ScheduledWarmer {
  stop(): void
  /** The latest finished run's figures. */
  readonly last: WarmProgress | undefined
}

type GetMany = <V>(
  keys: readonly string[],
  loader: BatchLoader<V> | undefined,
  options: WriteOptions,
) => Promise<unknown>

/**
 * Reads keys through the cache in batches: keys a slower tier has are copied into the faster ones
 * (so `warm(cache.keys({ tier: 'warm' }))` refills the hot tier from the warm one after a restart), and
 * keys no tier has go to the batch loader, if one is given.
 */
export async function warmOnce<V>(
  getMany: GetMany,
  source: WarmSource,
  loader: BatchLoader<V> | undefined,
  options: WarmOptions,
  events: CacheEvents,
): Promise<WarmProgress> {
  const batchSize = positiveInteger(options.batchSize ?? 100, 'warm batchSize')
  const concurrency = positiveInteger(options.concurrency ?? 4, 'warm concurrency')
  const { batchSize: _b, concurrency: _c, onProgress, every: _e, ...writeOptions } = options
  let processed = 0
  let loaded = 0
  let failed = 0
  const report = (done: boolean) => {
    const progress: WarmProgress = { processed, cached: processed - loaded - failed, loaded, failed, done }
    onProgress?.(progress)
    events.report('warm', progress)
    return progress
  }
  const countingLoader: BatchLoader<V> | undefined = loader
    ? async (keys, context) => {
        const result = await loader(keys, context)
        loaded += Array.isArray(result)
          ? result.filter((value) => value !== undefined).length
          : result instanceof Map
            ? result.size
            : Object.keys(result).length
        return result
      }
    : undefined
  const running = new Set<Promise<void>>()
  const runBatch = (batch: string[]) => {
    const work: Promise<void> = getMany(batch, countingLoader, writeOptions)
      .catch(() => {
        failed += batch.length
      })
      .then(() => {
        processed += batch.length
        running.delete(work)
        report(false)
      })
    running.add(work)
  }
  let batch: string[] = []
  for await (const key of typeof source === 'function' ? source() : source) {
    batch.push(key)
    if (batch.length < batchSize) continue
    runBatch(batch)
    batch = []
    if (running.size >= concurrency) await Promise.race(running)
  }
  if (batch.length > 0) runBatch(batch)
  await Promise.all(running)
  return report(true)
}

/** Runs `warmOnce` now and then every `every`, never two runs at once, until stopped. */
export function scheduleWarm(
  run: () => Promise<WarmProgress>,
  every: Duration,
  onError: (error: unknown) => void,
): ScheduledWarmer {
  const intervalMs = toTimerMilliseconds(every, 'warm every')
  if (intervalMs < 1) throw new InvalidOptionError('warm every must be at least 1 ms')
  let last: WarmProgress | undefined
  let running = false
  const tick = () => {
    if (running) return
    running = true
    run()
      .then((progress) => {
        last = progress
      }, onError)
      .finally(() => {
        running = false
      })
  }
  const timer = setInterval(tick, intervalMs)
  timer.unref()
  tick()
  return {
    stop: () => clearInterval(timer),
    get last() {
      return last
    },
  }
}

function positiveInteger(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new InvalidOptionError(`${what} must be a positive integer; got ${String(value)}`)
  return value
}
