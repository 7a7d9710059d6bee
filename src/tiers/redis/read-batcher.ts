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
    const keys = this.keys
    const resolvers = this.resolvers
    this.keys = []
    this.resolvers = []
    void this.fetch(keys).then((values) => {
      for (let i = 0; i < resolvers.length; i++) (resolvers[i] as (read: T) => void)(this.share(values[i]))
    })
  }
}
