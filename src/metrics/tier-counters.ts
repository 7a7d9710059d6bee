import { createHistogram, type RecordableHistogram } from 'node:perf_hooks'

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

  recordLatency(startedAt: bigint): void {
    const micros = Number((process.hrtime.bigint() - startedAt) / 1000n)
    this.latency.record(micros > 0 ? micros : 1)
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
            },
    }
  }
}

/** A point-in-time copy of a tier's counters. */
export interface TierCountersSnapshot {
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
      }
    | undefined
}
