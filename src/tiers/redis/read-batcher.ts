/** A reply that resumes at least twice this many callers, with no other batch in flight, is split. */
export const MIN_SPLIT_HALF = 4

/**
 * Coalesces single-key reads issued in the same tick into one round trip (design principle 4).
 * The flush runs on `process.nextTick`, i.e. after every promise continuation queued so far, so
 * callers resumed together by one reply land in the next batch together.
 *
 * Each caller's promise resolves with `share(value)`, the shape the tier hands on, built once: a read
 * costs one promise, not one plus a `.then` to reshape it.
 */
export class ReadBatcher<R, T> {
  // Keys and their callers' resolvers side by side: no object per read.
  private keys: string[] = []
  private resolvers: ((read: T) => void)[] = []
  /** Batches sent and not answered yet. */
  private inFlight = 0

  /** `fetch` must never reject: tiers turn failures into misses (an empty or short result). */
  constructor(
    private readonly fetch: (keys: string[]) => Promise<readonly (R | undefined)[]>,
    private readonly share: (value: R | undefined) => T,
  ) {}

  read(key: string): Promise<T> {
    return new Promise((resolve) => {
      this.keys.push(key)
      if (this.resolvers.push(resolve) === 1) process.nextTick(this.flush)
    })
  }

  private readonly flush = (): void => {
    if (this.keys.length === 0) return // already sent by resume()
    const keys = this.keys
    const resolvers = this.resolvers
    this.keys = []
    this.resolvers = []
    this.inFlight++
    void this.fetch(keys).then((values) => {
      this.inFlight--
      this.resume(resolvers, values)
    })
  }

  /**
   * Hands the callers their values. Callers resumed all at once by the only batch in flight make their
   * next reads all at once, and this process then waits idle for every round trip, in lock-step with
   * Redis. So when many are waiting, the first half resume now and the second half only once the first
   * half's reads are on the wire: Redis answers those while this process runs the second half, and two
   * batches keep alternating. The flush is called here rather than left to its tick so that the client
   * has queued its write before the second half is queued behind it (node-redis writes on setImmediate).
   */
  private resume(resolvers: ((read: T) => void)[], values: readonly (R | undefined)[]): void {
    if (this.inFlight > 0 || resolvers.length < 2 * MIN_SPLIT_HALF) {
      this.settle(resolvers, values, 0, resolvers.length)
      return
    }
    const half = resolvers.length >> 1
    this.settle(resolvers, values, 0, half)
    process.nextTick(() => {
      this.flush()
      setImmediate(() => this.settle(resolvers, values, half, resolvers.length))
    })
  }

  private settle(
    resolvers: ((read: T) => void)[],
    values: readonly (R | undefined)[],
    from: number,
    to: number,
  ): void {
    for (let i = from; i < to; i++) (resolvers[i] as (read: T) => void)(this.share(values[i]))
  }
}
