interface PendingRead<T> {
  readonly key: string
  readonly resolve: (read: T) => void
}

/**
 * Coalesces single-key reads issued in the same tick into one round trip (design principle 4).
 * The flush runs on `process.nextTick`, i.e. after every promise continuation queued so far, so
 * callers resumed together by one reply land in the next batch together.
 *
 * Each caller's promise resolves with `share(value)`, the shape the tier hands on, built once: a read
 * costs one promise, not one plus a `.then` to reshape it.
 */
export class ReadBatcher<R, T> {
  private pending: PendingRead<T>[] = []

  /** `fetch` must never reject: tiers turn failures into misses (an empty or short result). */
  constructor(
    private readonly fetch: (keys: string[]) => Promise<readonly (R | undefined)[]>,
    private readonly share: (value: R | undefined) => T,
  ) {}

  read(key: string): Promise<T> {
    return new Promise((resolve) => {
      if (this.pending.push({ key, resolve }) === 1) process.nextTick(this.flush)
    })
  }

  private readonly flush = (): void => {
    const batch = this.pending
    this.pending = []
    const keys = new Array<string>(batch.length)
    for (let i = 0; i < batch.length; i++) keys[i] = (batch[i] as PendingRead<T>).key
    void this.fetch(keys).then((values) => {
      for (let i = 0; i < batch.length; i++) (batch[i] as PendingRead<T>).resolve(this.share(values[i]))
    })
  }
}
