/** What one batched round trip returns: a value per key (same order) and, from the coordinator, its clock. */
export interface BatchResult<R> {
  readonly values: readonly (R | undefined)[]
  readonly clock?: number | undefined
}

/** One caller's share of a batch. */
export interface BatchedRead<R> {
  readonly value: R | undefined
  readonly clock: number | undefined
}

interface PendingRead<R> {
  readonly key: string
  readonly resolve: (read: BatchedRead<R>) => void
}

/**
 * Coalesces single-key reads issued in the same tick into one round trip (design principle 4).
 * The flush runs on `process.nextTick`, i.e. after every promise continuation queued so far, so
 * callers resumed together by one reply land in the next batch together.
 */
export class ReadBatcher<R> {
  private pending: PendingRead<R>[] = []

  /** `fetch` must never reject: tiers turn failures into misses. */
  constructor(private readonly fetch: (keys: string[]) => Promise<BatchResult<R>>) {}

  read(key: string): Promise<BatchedRead<R>> {
    return new Promise((resolve) => {
      if (this.pending.push({ key, resolve }) === 1) process.nextTick(this.flush)
    })
  }

  private readonly flush = (): void => {
    const batch = this.pending
    this.pending = []
    void this.fetch(batch.map((read) => read.key)).then(({ values, clock }) => {
      for (let i = 0; i < batch.length; i++) (batch[i] as PendingRead<R>).resolve({ value: values[i], clock })
    })
  }
}
