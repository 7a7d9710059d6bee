/**
 * A latency histogram with logarithmic buckets (8 per power of two, about 9 % wide) from 0.1 µs to
 * about 100 s, cheap to record into and to merge across processes (the buckets are a plain array).
 * node:perf_hooks histograms cannot be sent between processes or merged, hence this one.
 */
const BUCKETS_PER_DOUBLING = 8
const MIN_MICROS = 0.1
const BUCKET_COUNT = BUCKETS_PER_DOUBLING * 30

export class LatencyHistogram {
  readonly counts: number[]
  count = 0
  sum = 0
  max = 0

  constructor(counts?: readonly number[]) {
    this.counts = counts ? [...counts] : new Array<number>(BUCKET_COUNT).fill(0)
    if (counts) this.count = counts.reduce((total, value) => total + value, 0)
  }

  record(micros: number): void {
    const value = Math.max(micros, MIN_MICROS)
    const index = Math.min(BUCKET_COUNT - 1, Math.floor(Math.log2(value / MIN_MICROS) * BUCKETS_PER_DOUBLING))
    this.counts[index] = (this.counts[index] ?? 0) + 1
    this.count++
    this.sum += value
    if (value > this.max) this.max = value
  }

  reset(): void {
    this.counts.fill(0)
    this.count = 0
    this.sum = 0
    this.max = 0
  }

  merge(other: HistogramData): void {
    other.counts.forEach((value, index) => {
      this.counts[index] = (this.counts[index] ?? 0) + value
    })
    this.count += other.count
    this.sum += other.sum
    this.max = Math.max(this.max, other.max)
  }

  /** The upper bound of the bucket holding the p-th percentile, in µs (NaN when empty). */
  percentile(p: number): number {
    if (this.count === 0) return Number.NaN
    const rank = Math.max(1, Math.ceil((p / 100) * this.count))
    let seen = 0
    for (let index = 0; index < this.counts.length; index++) {
      seen += this.counts[index] ?? 0
      if (seen >= rank) return Math.min(this.max, bucketUpperBound(index))
    }
    return this.max
  }

  toJSON(): HistogramData {
    return { counts: this.counts, count: this.count, sum: this.sum, max: this.max }
  }

  static from(data: HistogramData): LatencyHistogram {
    const histogram = new LatencyHistogram()
    histogram.merge(data)
    return histogram
  }
}

export interface HistogramData {
  readonly counts: readonly number[]
  readonly count: number
  readonly sum: number
  readonly max: number
}

function bucketUpperBound(index: number): number {
  return MIN_MICROS * 2 ** ((index + 1) / BUCKETS_PER_DOUBLING)
}
