import { describe, expect, test } from 'vitest'
import { LATENCY_BUCKET_MICROS, TierCounters } from '../../src/tiers/tier-counters.js'

describe('tier latency buckets', () => {
  test('counts are cumulative per bound and a sample lands in the first bucket that holds it', () => {
    const counters = new TierCounters()
    counters.recordMicros(30) // ≤ 50 µs
    counters.recordMicros(50) // a bound is inclusive
    counters.recordMicros(700) // ≤ 1 ms
    counters.recordMicros(40_000) // ≤ 50 ms
    counters.recordMicros(9_000_000) // beyond the last bound: only in +Inf (count)
    const latency = counters.snapshot().latencyMicros
    expect(latency?.count).toBe(5)
    const at = (le: number) => latency?.buckets.find((bucket) => bucket.le === le)?.count
    expect(latency?.buckets.map((bucket) => bucket.le)).toEqual(LATENCY_BUCKET_MICROS)
    expect(at(50)).toBe(2)
    expect(at(500)).toBe(2)
    expect(at(1_000)).toBe(3)
    expect(at(25_000)).toBe(3)
    expect(at(50_000)).toBe(4)
    expect(at(2_500_000)).toBe(4)
  })

  test('no samples, no latency', () => {
    expect(new TierCounters().snapshot().latencyMicros).toBeUndefined()
  })
})
