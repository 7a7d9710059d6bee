import type { TimelinePoint } from '../../packages/demo/src/phase.js'
import type { DemoSummary, Percentiles, PhaseSummary, TierRow } from '../../packages/demo/src/summary.js'

/**
 * A demo summary with fixed figures (a 12 s warm-up and 15 s measured with the cache, 4 s and 15 s
 * without), for tests of the report's layout that must not depend on a run's numbers.
 */
export function fixedDemoSummary(): DemoSummary {
  const latency = (p50: number): Percentiles => ({
    p50,
    p90: p50 * 4,
    p99: p50 * 20,
    p999: p50 * 40,
    max: p50 * 80,
  })
  const tier = (name: string, hits: number, misses: number, p50: number, latencyOf: string): TierRow => ({
    name,
    hits,
    misses,
    hitRatio: misses + hits > 0 ? hits / (hits + misses) : Number.NaN,
    latency: latency(p50),
    latencyOf,
  })
  const cached = phase('cache', 12, (at) => Math.min(0.87, 0.2 + (at + 12) / 15))
  const direct = phase('direct', 4, () => 0)
  return {
    cached,
    direct,
    tiers: [
      tier('memory', 39_000, 6000, 1.5, 'call'),
      tier('hot', 1400, 4600, 3000, 'round trip (warm-up included)'),
      tier('warm', 1300, 4600, 2800, 'round trip (warm-up included)'),
      tier('database', 4500, 0, 7000, 'query'),
    ],
    directDatabase: tier('database', 30_000, 0, 30_000, 'query'),
    stale: {
      reads: 30_000,
      writes: 600,
      staleBeyondBound: 0,
      staleWithinBound: 1,
      maxStalenessMs: 3.2,
      examples: [],
      boundMs: 2000,
      logged: 45_000,
    },
  }
}

function phase(
  mode: 'cache' | 'direct',
  warmupSeconds: number,
  fromMemory: (at: number) => number,
): PhaseSummary {
  const perSecond = mode === 'cache' ? 3000 : 2000
  const timeline: TimelinePoint[] = []
  const totals = { served: 0, memory: 0, redis: 0, database: 0 }
  for (let tick = 1; tick <= (warmupSeconds + 15) * 2; tick++) {
    const at = tick / 2 - warmupSeconds
    const served = perSecond / 2
    const memory = Math.round(served * fromMemory(at))
    const redis = mode === 'cache' ? Math.round((served - memory) * 0.2) : 0
    totals.served += served
    totals.memory += memory
    totals.redis += redis
    totals.database += served - memory - redis
    timeline.push({
      at,
      requests: totals.served,
      served: totals.served,
      failed: 0,
      dbReads: totals.database,
      dbWrites: tick * 10,
      answeredBy: { memory: totals.memory, redis: totals.redis, database: totals.database },
      tiers:
        mode === 'cache'
          ? [{ name: 'memory', hits: totals.memory, misses: totals.served - totals.memory }]
          : [],
      requestP99: (mode === 'cache' ? 20_000 : 150_000) + (tick % 5) * 3000,
      eventLoopP99: [1, 2, 3, 4].map((instance) => 10_000 + instance * 2000 + (tick % 3) * 4000),
    })
  }
  const served = perSecond * 15
  const database = mode === 'cache' ? served * 0.1 : served
  const memory = mode === 'cache' ? served * 0.87 : 0
  return {
    mode,
    warmupSeconds,
    settled: true,
    seconds: 15,
    served,
    failed: 0,
    answeredBy: { memory, redis: served - memory - database, database },
    dbReads: database,
    dbWrites: 300,
    requestLatency: {
      p50: mode === 'cache' ? 9 : 30_000,
      p90: 5000,
      p99: 20_000,
      p999: 80_000,
      max: 200_000,
    },
    eventLoopDelay: { p50: 1000, p90: 5000, p99: 15_000, p999: 40_000, max: 90_000 },
    eventLoopP99PerInstance: [15_000, 15_000, 15_000, 3000],
    loadAverage: 6,
    cpuPressure: 0.9,
    cpu: [
      { name: 'instance 1', share: 0.11 },
      { name: 'instance 2', share: 0.1 },
      { name: 'instance 3', share: 0.11 },
      { name: 'writer', share: 0.03 },
      { name: 'Redis hot', share: mode === 'cache' ? 0.04 : 0.001 },
      { name: 'Redis warm', share: mode === 'cache' ? 0.03 : 0.001 },
      { name: 'demo process with PGlite', share: mode === 'cache' ? 0.15 : 0.5 },
    ],
    timeline,
  }
}
