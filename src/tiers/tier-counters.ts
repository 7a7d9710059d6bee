import { createHistogram, type RecordableHistogram } from 'node:perf_hooks'

/**
 * Upper bounds, in microseconds, of the fixed latency buckets kept beside the percentile histogram, so
 * that exporters can publish a true (aggregatable) histogram: from a loopback round trip (~50 µs) to a
 * cross-continent one (seconds).
 */
export const LATENCY_BUCKET_MICROS: readonly number[] = [
  50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000,
  2_500_000,
]

/**
 * Per-tier counters, updated in place on the hot path (plain number fields, no allocation).
 * Latency is recorded for tiers that do I/O, one sample per round trip, in microseconds.
 */
export class TierCounters {
  hits = 0
  misses = 0
  /** Reads answered with a value past its fresh period but within grace. */
  staleHits = 0
  /** Reads or writes that failed (connection errors, timeouts, script errors). */
  errors = 0
  /** Entries whose bytes did not decode; each counts as a miss too. */
  decodeErrors = 0
  /** Operations not attempted because the tier was unavailable (disconnected). */
  skipped = 0
  writes = 0
  /** Conditional writes refused because the tier already held a newer version. */
  writesRefused = 0
  /** Entries removed to make room (memory tiers). */
  evictions = 0
  readonly latency: RecordableHistogram = createHistogram()
  /** Samples per bucket of LATENCY_BUCKET_MICROS (not cumulative); the last slot counts the rest. */
  private readonly bucketCounts = new Float64Array(LATENCY_BUCKET_MICROS.length + 1)

  recordLatency(startedAt: bigint): void {
    this.recordMicros(Number((process.hrtime.bigint() - startedAt) / 1000n))
  }

  recordMicros(micros: number): void {
    this.latency.record(micros > 0 ? micros : 1)
    let bucket = 0
    while (bucket < LATENCY_BUCKET_MICROS.length && micros > (LATENCY_BUCKET_MICROS[bucket] as number))
      bucket++
    this.bucketCounts[bucket] = (this.bucketCounts[bucket] as number) + 1
  }

  /** Cumulative counts per bucket bound, as Prometheus histograms want them (`+Inf` is `count`). */
  private cumulativeBuckets(): { le: number; count: number }[] {
    let running = 0
    return LATENCY_BUCKET_MICROS.map((le, index) => {
      running += this.bucketCounts[index] as number
      return { le, count: running }
    })
  }

  snapshot(): TierCountersSnapshot {
    const reads = this.hits + this.misses
    const samples = this.latency.count
    return {
      hits: this.hits,
      misses: this.misses,
      staleHits: this.staleHits,
      hitRatio: reads === 0 ? 0 : this.hits / reads,
      errors: this.errors,
      decodeErrors: this.decodeErrors,
      skipped: this.skipped,
      writes: this.writes,
      writesRefused: this.writesRefused,
      evictions: this.evictions,
      latencyMicros:
        samples === 0
          ? undefined
          : {
              count: samples,
              p50: this.latency.percentile(50),
              p90: this.latency.percentile(90),
              p99: this.latency.percentile(99),
              max: this.latency.max,
              mean: this.latency.mean,
              buckets: this.cumulativeBuckets(),
            },
    }
  }
}

/** A point-in-time copy of a tier's counters. */
export interface TierCountersSnapshot {
  /**
   * Reads this tier answered with a fresh entry. Counts every read made, including one made together
   * with faster tiers whose answer went unused because a faster tier had the key (see TierStack.readKey).
   */
  readonly hits: number
  readonly misses: number
  readonly staleHits: number
  /** hits / (hits + misses), 0 when there were no reads. */
  readonly hitRatio: number
  readonly errors: number
  readonly decodeErrors: number
  readonly skipped: number
  readonly writes: number
  readonly writesRefused: number
  readonly evictions: number
  /** Round-trip latency in microseconds; undefined for tiers without I/O or before the first sample. */
  readonly latencyMicros:
    | {
        readonly count: number
        readonly p50: number
        readonly p90: number
        readonly p99: number
        readonly max: number
        readonly mean: number
        /** Samples at or below each bound of LATENCY_BUCKET_MICROS, cumulative. */
        readonly buckets: readonly { readonly le: number; readonly count: number }[]
      }
    | undefined
}
