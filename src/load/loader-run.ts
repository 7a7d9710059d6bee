import type { CacheEvents } from '../cache-events.js'
import { isTraced, loadChannel } from '../channels.js'
import { LoaderError, LoaderTimeoutError } from '../errors.js'

/** Loader calls and how they ended, for stats(). */
export class LoaderCounters {
  calls = 0
  errors = 0
  timeouts = 0
}

/**
 * Calls a loader once: counts it, reports a `load` event, wraps what it throws in a LoaderError, and
 * enforces the hard timeout (aborting the loader's signal and rejecting with LoaderTimeoutError).
 * `onSoftTimeout` runs if the loader is still going after `softTimeoutMs`; the load goes on.
 */
export async function runLoader<T>(
  key: string,
  run: () => T | Promise<T>,
  limits: {
    readonly hardTimeoutMs: number | undefined
    readonly softTimeoutMs?: number | undefined
    readonly onSoftTimeout?: () => void
    /** Aborts the loader's signal (on the hard timeout). */
    readonly abort: (reason: unknown) => void
    /** Rejects when the load is aborted (the cache closed): the loader is not waited for any longer. */
    readonly aborted?: Promise<never>
  },
  counters: LoaderCounters,
  events: CacheEvents,
): Promise<T> {
  const started = performance.now()
  counters.calls++
  const running = (async () => {
    try {
      const value = await (isTraced(loadChannel)
        ? loadChannel.tracePromise(async () => run(), { key })
        : run())
      events.report('load', { key, durationMs: performance.now() - started, ok: true })
      return value
    } catch (error) {
      counters.errors++
      const failure = error instanceof LoaderTimeoutError ? error : new LoaderError(key, error)
      events.report('load', { key, durationMs: performance.now() - started, ok: false, error: failure })
      throw failure
    }
  })()
  const { hardTimeoutMs, softTimeoutMs, onSoftTimeout, abort, aborted } = limits
  const loading = aborted === undefined ? running : Promise.race([running, aborted])
  if (hardTimeoutMs === undefined && (softTimeoutMs === undefined || !onSoftTimeout)) return loading
  return new Promise<T>((resolve, reject) => {
    const soft =
      softTimeoutMs !== undefined && onSoftTimeout ? setTimeout(onSoftTimeout, softTimeoutMs) : undefined
    const hard =
      hardTimeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            const error = new LoaderTimeoutError(key, hardTimeoutMs)
            counters.timeouts++
            abort(error)
            reject(error)
          }, hardTimeoutMs)
    const settle = () => {
      clearTimeout(soft)
      clearTimeout(hard)
    }
    loading.then(
      (value) => {
        settle()
        resolve(value)
      },
      (error: unknown) => {
        settle()
        reject(error)
      },
    )
  })
}
