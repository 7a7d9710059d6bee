/**
 * In-process single-flight: one load per key at a time; concurrent callers join it.
 * A flight also remembers whether its key was invalidated while it ran, so its result is returned
 * to the callers who were waiting but not written into this process's memory tier.
 */
export class Flight<V = unknown> {
  invalidated = false
  readonly promise: Promise<V>
  readonly controller = new AbortController()
  readonly startedAt = Date.now()
  /** performance.now() at the start: fills of this load are refused by memory-tier fences set later. */
  readonly observedAt = performance.now()
  resolve!: (value: V) => void
  reject!: (error: unknown) => void

  constructor(readonly key: string) {
    this.promise = new Promise<V>((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
  }
}

export class Flights {
  private readonly byKey = new Map<string, Flight>()
  /** Callers that joined an existing flight instead of starting a load. */
  joins = 0

  get(key: string): Flight | undefined {
    return this.byKey.get(key)
  }

  start(key: string): Flight {
    const flight = new Flight(key)
    this.byKey.set(key, flight)
    return flight
  }

  finish(flight: { readonly key: string }): void {
    if (this.byKey.get(flight.key) === flight) this.byKey.delete(flight.key)
  }

  invalidate(key: string): void {
    const flight = this.byKey.get(key)
    if (flight) flight.invalidated = true
  }

  /** Aborts every running loader's signal (used by `close()`). */
  abortAll(reason: unknown): void {
    for (const flight of this.byKey.values()) flight.controller.abort(reason)
  }

  get size(): number {
    return this.byKey.size
  }
}
