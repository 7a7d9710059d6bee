import { type Clock, systemClock } from '../clock.js'
import { cloneDeep } from '../tiers/protect.js'
import { CachingChoice, type TagLimits } from './caching-choice.js'
import type { LoaderContext } from './loader-context.js'

/**
 * In-process single-flight: one load per key at a time; concurrent callers join it.
 * A flight also remembers whether its key was invalidated while it ran, so its result is returned
 * to the callers who were waiting but not written into this process's memory tier.
 */
export class Flight<V = unknown> {
  invalidated = false
  readonly promise: Promise<V>
  private abortController: AbortController | undefined
  private abortReason: unknown
  private aborted = false
  private abandoned: Promise<never> | undefined
  private abandon: ((reason: unknown) => void) | undefined
  /** What the loader chose about caching its value, if it chose anything (made on first use). */
  choice: CachingChoice | undefined
  /** Set with the value: true when callers must not share it (see {@link share}). */
  private copyEach = false
  private settle!: (value: V) => void
  reject!: (error: unknown) => void

  /**
   * `copies`: the values of this cache may need a copy per caller (a protecting memory tier).
   * `startedAt`: the clock's monotonic reading at the start: how old the load is (loads older than the
   * tombstone TTL fill nothing), and the instant its value was observed (memory-tier fences set later
   * refuse its fill).
   */
  constructor(
    readonly key: string,
    private readonly copies: boolean,
    readonly startedAt: number,
  ) {
    this.promise = new Promise<V>((resolve, reject) => {
      this.settle = resolve
      this.reject = reject
    })
  }

  /**
   * Resolves the flight. `copyEach`: the value is one a memory tier clones on every read (or one not
   * protected at all): each caller then gets a deep copy of its own, never `value` itself.
   */
  resolve(value: V, copyEach = false): void {
    this.copyEach = copyEach
    this.settle(value)
  }

  /**
   * The flight's value for one caller (the one who started it, or one who joins): the value itself
   * when callers may share it (frozen, or nothing protects values), else a copy of its own.
   */
  share(): Promise<V> {
    if (!this.copies) return this.promise
    return this.promise.then((value) => (this.copyEach ? cloneDeep(value) : value))
  }

  /** The loader's AbortController, made on first use: most reads are hits and never call a loader. */
  get controller(): AbortController {
    if (this.abortController === undefined) {
      this.abortController = new AbortController()
      if (this.aborted) this.abortController.abort(this.abortReason)
    }
    return this.abortController
  }

  /** Throws the abort reason if the flight was aborted, as `AbortSignal.throwIfAborted()` would. */
  throwIfAborted(): void {
    if (this.aborted) throw this.abortReason
  }

  /**
   * What the loader receives. Its `signal` is made when the loader first reads it, and its caching
   * choice when it first makes one: loaders that do neither (most) cost no more objects.
   */
  loaderContext(limits: TagLimits): LoaderContext {
    const flight = this
    const choice = () => {
      flight.choice ??= new CachingChoice(limits)
      return flight.choice
    }
    return {
      key: this.key,
      get signal() {
        return flight.controller.signal
      },
      setTtl: (ttl) => choice().setTtl(ttl),
      setTags: (tags) => choice().setTags(tags),
      skip: () => choice().skip(),
    }
  }

  /**
   * Rejects with the abort reason once the flight is aborted, so a load stops waiting for a loader
   * that ignores its signal (made on first use, like the controller).
   */
  whenAborted(): Promise<never> {
    if (this.abandoned === undefined) {
      this.abandoned = this.aborted
        ? Promise.reject(this.abortReason)
        : new Promise<never>((_, reject) => {
            this.abandon = reject
          })
      this.abandoned.catch(() => undefined)
    }
    return this.abandoned
  }

  abort(reason: unknown): void {
    this.aborted = true
    this.abortReason = reason
    this.abortController?.abort(reason)
    this.abandon?.(reason)
  }
}

/** What the set of running flights needs of a flight, whatever its value type. */
type FlightHandle = Pick<Flight, 'key' | 'abort' | 'reject' | 'promise'>

/**
 * The flights of one cache. A flight is *joinable* (new callers of its key share it) until it finishes
 * or its key is invalidated: a caller arriving after a `set`, `delete` or tag invalidation must not be
 * handed a value loaded before it, so invalidation detaches the flight; so does age (`joinableMs`). A
 * detached flight runs on for the callers already waiting; its result is not kept in this process's
 * memory tier.
 */
export class Flights {
  private readonly byKey = new Map<string, Flight>()
  /** Every flight not yet finished, joinable or detached: `close()` aborts them all. */
  private readonly running = new Set<FlightHandle>()
  /** Callers that joined an existing flight instead of starting a load. */
  joins = 0
  private closedWith: { readonly reason: unknown } | undefined

  /**
   * @param joinableMs how long a flight takes new callers: a load older than its lease (which another
   *   process may have taken over by now) is left to the callers already waiting, and the next caller
   *   starts a new one, so a loader that never settles cannot hold its key for good.
   * @param copies see {@link Flight}; true when the cache's memory tier protects its values.
   * @param clock what the age of a flight is measured with (the cache option `clock`).
   */
  constructor(
    private readonly joinableMs = Number.POSITIVE_INFINITY,
    private readonly copies = false,
    private readonly clock: Clock = systemClock,
  ) {}

  /** The key's flight, if it still takes new callers (see `joinableMs`). */
  get(key: string): Flight | undefined {
    const flight = this.byKey.get(key)
    if (flight === undefined || this.clock.monotonic() - flight.startedAt <= this.joinableMs) return flight
    this.invalidate(key)
    return undefined
  }

  start(key: string): Flight {
    const flight = new Flight(key, this.copies, this.clock.monotonic())
    // A load whose tier read was under way when the cache closed must not call its loader either.
    if (this.closedWith !== undefined) flight.abort(this.closedWith.reason)
    this.byKey.set(key, flight)
    this.running.add(flight)
    return flight
  }

  finish(flight: FlightHandle): void {
    this.running.delete(flight)
    if (this.byKey.get(flight.key) === flight) this.byKey.delete(flight.key)
  }

  /** The key was written or deleted: its flight is detached, and its value not kept here. */
  invalidate(key: string): void {
    const flight = this.byKey.get(key)
    if (flight === undefined) return
    flight.invalidated = true
    this.byKey.delete(key)
  }

  /**
   * Tags were invalidated, or every memory entry was dropped: any running load may carry what was just
   * invalidated (a flight does not know its tags before its loader returns), so all are detached.
   */
  invalidateAll(): void {
    for (const flight of this.byKey.values()) flight.invalidated = true
    this.byKey.clear()
  }

  /**
   * Aborts every running loader's signal and rejects every flight's callers with `reason` (used by
   * `close()`): a loader that ignores its signal must not leave them waiting forever.
   */
  abortAll(reason: unknown): void {
    this.closedWith = { reason }
    for (const flight of this.running) {
      flight.abort(reason)
      flight.promise.catch(() => undefined)
      flight.reject(reason)
    }
  }

  get size(): number {
    return this.running.size
  }
}
