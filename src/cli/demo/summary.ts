import { checkReads, type Verdict, type WriteRecord } from '../../../scripts/consistency/analyze.js'
import { LatencyHistogram } from './histogram.js'
import type { PhaseResult, TimelinePoint } from './phase.js'
import type { InstanceResult } from './protocol.js'
import { readLog } from './read-log.js'

/** The consistency bound the cache documents (README, "Consistency bound"): bus heartbeat + timeout. */
export const BOUND_MS = 2000

export interface Percentiles {
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly max: number
}

/** One row of the per-tier table. Latency is in microseconds. */
export interface TierRow {
  readonly name: string
  readonly hits: number
  readonly misses: number
  readonly hitRatio: number
  readonly latency: Percentiles | undefined
  /** What the latency measures. */
  readonly latencyOf: string
}

export interface PhaseSummary {
  readonly mode: 'cache' | 'direct'
  readonly seconds: number
  readonly served: number
  readonly failed: number
  readonly readQueries: number
  readonly writes: number
  readonly requestLatency: Percentiles | undefined
  readonly timeline: readonly TimelinePoint[]
  /** Rates over the second half of the run, once the caches have warmed up. */
  readonly secondHalf: { readonly servedPerSecond: number; readonly queriesPerSecond: number }
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

function phaseSummary(phase: PhaseResult): PhaseSummary {
  const readers = phase.readers
  const sum = (pick: (result: InstanceResult) => number) => readers.reduce((total, r) => total + pick(r), 0)
  return {
    mode: phase.mode,
    seconds: phase.durationMs / 1000,
    served: sum((r) => r.final.served),
    failed: sum((r) => r.final.failed),
    readQueries: sum((r) => r.final.dbQueries),
    writes: phase.writer.final.writes,
    requestLatency: percentiles(merged(readers.map((r) => r.requestLatency))),
    timeline: phase.timeline,
    secondHalf: secondHalfRates(phase.timeline),
  }
}

function secondHalfRates(timeline: readonly TimelinePoint[]): PhaseSummary['secondHalf'] {
  const last = timeline.at(-1)
  const middle = timeline[Math.floor(timeline.length / 2) - 1] ?? timeline[0]
  if (!last || !middle || last.at <= middle.at)
    return { servedPerSecond: Number.NaN, queriesPerSecond: Number.NaN }
  const seconds = last.at - middle.at
  return {
    servedPerSecond: (last.served - middle.served) / seconds,
    queriesPerSecond: (last.dbQueries - middle.dbQueries) / seconds,
  }
}

function merged(parts: readonly InstanceResult['requestLatency'][]): LatencyHistogram {
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
    max: histogram.max,
  }
}

function tierRows(phase: PhaseResult): TierRow[] {
  const instances = [...phase.readers]
  const names = instances[0]?.tiers.map((tier) => tier.name) ?? []
  const rows = names.map((name): TierRow => {
    const tiers = instances.map((instance) => instance.tiers.find((tier) => tier.name === name))
    const hits = tiers.reduce((total, tier) => total + (tier?.hits ?? 0), 0)
    const misses = tiers.reduce((total, tier) => total + (tier?.misses ?? 0), 0)
    const measured = tiers.map((tier) => tier?.latency).filter((latency) => latency !== undefined)
    const latency =
      name === 'memory'
        ? percentiles(merged(instances.map((instance) => instance.memoryLatency)))
        : measured.length > 0
          ? weightedPercentiles(measured)
          : undefined
    return {
      name,
      hits,
      misses,
      hitRatio: hits + misses === 0 ? Number.NaN : hits / (hits + misses),
      latency,
      latencyOf: name === 'memory' ? 'call' : 'round trip',
    }
  })
  return [...rows, databaseRow(phase)]
}

/**
 * Each instance's cache measures its own round-trip percentiles; the table shows their mean weighted by
 * round trips (the instances run the same workload, so they differ little).
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
    max: Math.max(...parts.map((part) => part.max)),
  }
}

function databaseRow(phase: PhaseResult): TierRow {
  const queries = phase.readers.reduce((total, reader) => total + reader.final.dbQueries, 0)
  return {
    name: 'database',
    hits: queries,
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
