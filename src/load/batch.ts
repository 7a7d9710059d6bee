import type { CacheEvents } from '../cache-events.js'
import type { Duration } from '../duration.js'
import { InvalidOptionError } from '../errors.js'
import type { ResolvedCacheOptions, ResolvedWriteOptions } from '../options.js'
import type { TierStack } from '../stack/tier-stack.js'
import { cloneDeep } from '../tiers/protect.js'
import type { ServedValue } from '../tiers/tier.js'
import { CachingChoice, type TagLimits, writeOptionsFor } from './caching-choice.js'
import { fillLoaded, type LoadedValue } from './entries.js'
import type { Flight, Flights } from './flights.js'
import type { BatchLoaderContext } from './loader-context.js'
import { type LoaderCounters, runLoader } from './loader-run.js'

/** What a batch loader may return: values in key order, or keyed by key. Keys left out are not cached. */
export type BatchResult<V> = readonly (V | undefined)[] | ReadonlyMap<string, V> | Readonly<Record<string, V>>

/** Produces the values of many keys at once (one database query for all misses). */
export type BatchLoader<V> = (
  keys: string[],
  context: BatchLoaderContext,
) => BatchResult<V> | Promise<BatchResult<V>>

/**
 * getMany's loads: the keys no tier had go to the batch loader in one call, except keys another caller
 * is already loading, which are awaited instead. Each loaded key is a flight, so single-key callers
 * arriving meanwhile join it.
 */
export async function loadMany<V>(
  context: {
    readonly stack: TierStack
    readonly flights: Flights
    readonly events: CacheEvents
    readonly options: ResolvedCacheOptions
    readonly counters: LoaderCounters
  },
  missing: readonly string[],
  batchLoader: BatchLoader<V>,
  options: ResolvedWriteOptions,
  values: Map<string, unknown>,
): Promise<void> {
  const { flights } = context
  const joined: [string, Promise<unknown>][] = []
  const started: Flight<unknown>[] = []
  for (const key of missing) {
    const running = flights.get(key)
    if (running) {
      flights.joins++
      joined.push([key, running.share()])
    } else {
      started.push(flights.start(key))
    }
  }
  if (started.length > 0) await runBatch(context, started, batchLoader, options, values)
  for (const [key, promise] of joined) values.set(key, await promise.catch(() => undefined))
}

async function runBatch<V>(
  context: Parameters<typeof loadMany>[0],
  started: Flight<unknown>[],
  batchLoader: BatchLoader<V>,
  options: ResolvedWriteOptions,
  values: Map<string, unknown>,
): Promise<void> {
  const { stack, flights, events, counters } = context
  try {
    const startVersion = await stack.startVersion(undefined)
    const keys = started.map((flight) => flight.key)
    // The batch's signal is its first flight's: close() aborts every flight, so that one too.
    const first = started[0] as Flight<unknown>
    first.throwIfAborted()
    const choices = new BatchChoices(started, context.options)
    const result = await runLoader(
      `${keys.length} keys`,
      () => batchLoader(keys, choices.context(first)),
      {
        hardTimeoutMs: options.hardTimeoutMs,
        abort: (reason) => first.abort(reason),
        aborted: first.whenAborted(),
      },
      counters,
      events,
    )
    const loaded = pickLoaded(keys, result)
    const cached = choices.cached(loaded, options)
    const filling =
      cached.length > 0
        ? fillLoaded(stack, context.options, cached, startVersion, options, started)
        : { done: Promise.resolve(), fills: [] }
    // What callers get is protected as the memory tier protects its hits (see TierStack.served).
    const fillOf = new Map(filling.fills.map((fill) => [fill.key, fill]))
    const served = new Map<string, ServedValue>()
    for (const [key, value] of loaded) {
      const one = stack.served(fillOf.get(key), value)
      served.set(key, one)
      values.set(key, one.cloneOnRead ? cloneDeep(one.value) : one.value)
    }
    for (const flight of started) {
      const one = served.get(flight.key)
      flight.resolve(one?.value, one?.cloneOnRead)
    }
    // As for single loads: the caller has its values now; the flights end when the tiers hold them.
    void filling.done.then(() => {
      for (const flight of started) flights.finish(flight)
    })
  } catch (error) {
    for (const flight of started) {
      flights.finish(flight)
      flight.reject(error)
      flight.promise.catch(() => undefined)
    }
    throw error
  }
}

function pickLoaded<V>(keys: readonly string[], result: BatchResult<V>): [string, V][] {
  const loaded: [string, V][] = []
  if (Array.isArray(result)) {
    if (result.length !== keys.length) {
      throw new InvalidOptionError(
        `batch loader returned ${result.length} values for ${keys.length} keys; return one per key or a Map`,
      )
    }
    keys.forEach((key, i) => {
      if (result[i] !== undefined) loaded.push([key, result[i] as V])
    })
  } else if (result instanceof Map) {
    for (const key of keys) if (result.get(key) !== undefined) loaded.push([key, result.get(key) as V])
  } else if (result !== null && typeof result === 'object') {
    const record = result as Readonly<Record<string, V>>
    for (const key of keys)
      if (Object.hasOwn(record, key) && record[key] !== undefined) loaded.push([key, record[key] as V])
  } else {
    throw new InvalidOptionError(
      'batch loader must return an array (one value per key), a Map or an object keyed by key',
    )
  }
  return loaded
}

/** What a batch loader chose about caching each of its keys' values (adaptive caching), by key. */
class BatchChoices {
  private readonly choices = new Map<string, CachingChoice>()
  private readonly keys: ReadonlySet<string>

  constructor(
    flights: readonly Flight<unknown>[],
    private readonly limits: TagLimits,
  ) {
    this.keys = new Set(flights.map((flight) => flight.key))
  }

  /** The batch loader's context; its signal is `first`'s, which close() aborts like every flight. */
  context(first: Flight<unknown>): BatchLoaderContext {
    return {
      get signal() {
        return first.controller.signal
      },
      setTtl: (key: string, ttl: Duration) => this.choiceFor(key).setTtl(ttl),
      setTags: (key: string, tags: readonly string[]) => this.choiceFor(key).setTags(tags),
      skip: (key: string) => this.choiceFor(key).skip(),
    }
  }

  /** The loaded values to write, each with the options its choice gives it; skipped keys left out. */
  cached(loaded: readonly [string, unknown][], options: ResolvedWriteOptions): readonly LoadedValue[] {
    if (this.choices.size === 0) return loaded
    const cached: LoadedValue[] = []
    for (const [key, value] of loaded) {
      const own = writeOptionsFor(this.choices.get(key), options)
      if (own !== undefined) cached.push([key, value, own])
    }
    return cached
  }

  private choiceFor(key: string): CachingChoice {
    if (!this.keys.has(key))
      throw new InvalidOptionError(`"${String(key)}" is not one of the keys this batch loader was given`)
    let choice = this.choices.get(key)
    if (choice === undefined) {
      choice = new CachingChoice(this.limits)
      this.choices.set(key, choice)
    }
    return choice
  }
}
