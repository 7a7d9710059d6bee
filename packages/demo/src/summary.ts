import { checkReads, type Verdict, type WriteRecord } from '../../../scripts/consistency/analyze.js'
import { type HistogramData, LatencyHistogram } from './histogram.js'
import { type PhaseResult, sumTotals, type TimelinePoint } from './phase.js'
import type { AnsweredBy, InstanceResult, InstanceSample } from './protocol.js'
import { readLog } from './read-log.js'

/** The consistency bound the cache documents (README, "Consistency bound"): bus heartbeat + timeout. */
export const BOUND_MS = 2000

export interface Percentiles {
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly p999: number
  readonly max: number
}

/** One row of the per-tier table (measured phase). Latency is in microseconds. */
export interface TierRow {
  readonly name: string
  readonly hits: number
  readonly misses: number
  /** hits / (hits + misses): of the reads that reached this tier, not of all requests. */
  readonly hitRatio: number
  readonly latency: Percentiles | undefined
  /** What the latency measures. */
  readonly latencyOf: string
}

/** Figures of one run's measured phase (after its warm-up), readers and writer counted apart. */
export interface PhaseSummary {
  readonly mode: 'cache' | 'direct'
  readonly warmupSeconds: number
  /** Whether the warm-up ended because the figures settled, rather than at its time limit. */
  readonly settled: boolean
  /** Length of the measured phase. */
  readonly seconds: number
  readonly served: number
  readonly failed: number
  /** Requests served, by what answered them; adds up to `served`. */
  readonly answeredBy: AnsweredBy
  /** Database queries made to serve requests. */
  readonly dbReads: number
  /** Database queries of the writer (product updates). */
  readonly dbWrites: number
  readonly requestLatency: Percentiles | undefined
  /** The readers' event-loop delay, merged. */
  readonly eventLoopDelay: Percentiles | undefined
  /** Each instance's event-loop delay p99 (µs). */
  readonly eventLoopP99PerInstance: readonly number[]
  /** The machine's 1-minute load average when the measured phase ended (0 where unknown). */
  readonly loadAverage: number
  /** The share of the last minute some process waited for a CPU (Linux only). */
  readonly cpuPressure: number | undefined
  /** CPU time per process over the measured phase, as a share of one core. */
  readonly cpu: readonly { readonly name: string; readonly share: number }[]
  /** Readers, and the writer when it did not settle; the warm-up has negative `at`. */
  readonly timeline: readonly TimelinePoint[]
}

export interface StaleCheck extends Verdict {
  readonly boundMs: number
  /** Every product version returned, of which `reads` (those of updated products) were checked. */
  readonly logged: number
}

export interface DemoSummary {
  readonly cached: PhaseSummary
  readonly direct: PhaseSummary | undefined
  readonly tiers: readonly TierRow[]
  readonly directDatabase: TierRow | undefined
  readonly stale: StaleCheck
}

export function summarize(cached: PhaseResult, direct: PhaseResult | undefined): DemoSummary {
  return {
    cached: phaseSummary(cached),
    direct: direct ? phaseSummary(direct) : undefined,
    tiers: tierRows(cached),
    directDatabase: direct ? databaseRow(direct) : undefined,
    stale: staleCheck(cached),
  }
}

/** What each instance did between the start of the measured phase and the end of the run. */
function measured(result: InstanceResult): InstanceSample {
  const { final, measureStart: start } = result
  return {
    tick: final.tick,
    atMs: final.atMs,
    requests: final.requests - start.requests,
    served: final.served - start.served,
    failed: final.failed - start.failed,
    dbReads: final.dbReads - start.dbReads,
    dbWrites: final.dbWrites - start.dbWrites,
    answeredBy: {
      memory: final.answeredBy.memory - start.answeredBy.memory,
      redis: final.answeredBy.redis - start.answeredBy.redis,
      database: final.answeredBy.database - start.answeredBy.database,
    },
    tiers: final.tiers.map((tier) => {
      const before = start.tiers.find((t) => t.name === tier.name)
      return {
        name: tier.name,
        hits: tier.hits - (before?.hits ?? 0),
        misses: tier.misses - (before?.misses ?? 0),
      }
    }),
    cpuMicros: final.cpuMicros - start.cpuMicros,
    interval: final.interval,
  }
}

function phaseSummary(phase: PhaseResult): PhaseSummary {
  const readers = sumTotals(phase.readers.map(measured))
  const seconds = phase.measuredMs / 1000
  return {
    mode: phase.mode,
    warmupSeconds: phase.warmupMs / 1000,
    settled: phase.settled,
    seconds,
    served: readers.served,
    failed: readers.failed + measured(phase.writer).failed,
    answeredBy: readers.answeredBy,
    dbReads: readers.dbReads,
    dbWrites: measured(phase.writer).dbWrites,
    requestLatency: percentiles(merged(phase.readers.map((r) => r.requestLatency))),
    eventLoopDelay: percentiles(merged(phase.readers.map((r) => r.eventLoopDelay))),
    eventLoopP99PerInstance: [...phase.readers, phase.writer].map((r) =>
      LatencyHistogram.from(r.eventLoopDelay).percentile(99),
    ),
    loadAverage: phase.loadAverage,
    cpuPressure: phase.cpuPressure,
    cpu: phase.cpu.map(({ name, cpuMicros }) => ({ name, share: cpuMicros / 1e6 / seconds })),
    timeline: phase.timeline,
  }
}

function merged(parts: readonly HistogramData[]): LatencyHistogram {
  const histogram = new LatencyHistogram()
  for (const part of parts) histogram.merge(part)
  return histogram
}

function percentiles(histogram: LatencyHistogram): Percentiles | undefined {
  if (histogram.count === 0) return undefined
  return {
    p50: histogram.percentile(50),
    p90: histogram.percentile(90),
    p99: histogram.percentile(99),
    p999: histogram.percentile(99.9),
    max: histogram.max,
  }
}

function tierRows(phase: PhaseResult): TierRow[] {
  const instances = [...phase.readers]
  const counted = instances.map(measured)
  const names = instances[0]?.tiers.map((tier) => tier.name) ?? []
  const rows = names.map((name): TierRow => {
    const tiers = counted.map((instance) => instance.tiers.find((tier) => tier.name === name))
    const hits = tiers.reduce((total, tier) => total + (tier?.hits ?? 0), 0)
    const misses = tiers.reduce((total, tier) => total + (tier?.misses ?? 0), 0)
    const timed = instances
      .map((instance) => instance.tiers.find((tier) => tier.name === name)?.latency)
      .filter((latency) => latency !== undefined)
    const latency =
      name === 'memory'
        ? percentiles(merged(instances.map((instance) => instance.memoryLatency)))
        : timed.length > 0
          ? weightedPercentiles(timed)
          : undefined
    return {
      name,
      hits,
      misses,
      hitRatio: hits + misses === 0 ? Number.NaN : hits / (hits + misses),
      latency,
      latencyOf: name === 'memory' ? 'call' : 'round trip (warm-up included)',
    }
  })
  return [...rows, databaseRow(phase)]
}

/**
 * Each instance's cache measures its own round-trip percentiles over its whole life (warm-up
 * included); the table shows their mean weighted by round trips (the instances run the same
 * workload, so they differ little).
 */
function weightedPercentiles(
  parts: readonly { count: number; p50: number; p90: number; p99: number; max: number }[],
): Percentiles {
  const count = parts.reduce((total, part) => total + part.count, 0) || 1
  const mean = (pick: (part: (typeof parts)[number]) => number) =>
    parts.reduce((total, part) => total + pick(part) * part.count, 0) / count
  return {
    p50: mean((part) => part.p50),
    p90: mean((part) => part.p90),
    p99: mean((part) => part.p99),
    p999: Number.NaN,
    max: Math.max(...parts.map((part) => part.max)),
  }
}

/** The readers' database queries: `hits` holds the number of reads. */
function databaseRow(phase: PhaseResult): TierRow {
  return {
    name: 'database',
    hits: sumTotals(phase.readers.map(measured)).dbReads,
    misses: 0,
    hitRatio: Number.NaN,
    latency: percentiles(merged(phase.readers.map((reader) => reader.databaseLatency))),
    latencyOf: 'query',
  }
}

/**
 * The consistency checker's analysis: every logged read of an updated product is compared with the
 * updates acknowledged before it started; a read is stale beyond the bound if it returned an older
 * version than one acknowledged more than {@link BOUND_MS} earlier.
 */
function staleCheck(phase: PhaseResult): StaleCheck {
  const writes: WriteRecord[] = phase.writer.writes.map((write) => ({
    key: `product:${write.id}`,
    version: write.version,
    acknowledgedAt: write.acknowledgedAt,
  }))
  const written = new Set(phase.writer.writes.map((write) => write.id))
  const reads = []
  let logged = 0
  for (const file of phase.readLogs) {
    const log = readLog(file, written)
    logged += log.total
    for (const read of log.reads) reads.push(read)
  }
  return { ...checkReads(reads, writes, BOUND_MS), boundMs: BOUND_MS, logged }
}
