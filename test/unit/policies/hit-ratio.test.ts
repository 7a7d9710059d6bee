import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { GOAL_MARGIN } from '../../../scripts/sim/goal.js'
import { optimalHits } from '../../../scripts/sim/optimal.js'
import { hitRatio } from '../../../scripts/sim/replay.js'
import { zipfTrace } from '../../../scripts/sim/synthetic.js'
import { readTraceFile, type Trace, traceFromKeys } from '../../../scripts/sim/trace.js'
import { DEFAULT_MEMORY_POLICY } from '../../../src/tiers/memory/memory-tier.js'

const fixture = (name: string) =>
  fileURLToPath(new URL(`../../fixtures/traces/cache2k/${name}`, import.meta.url))

/** Lazily loaded, so each trace is read or generated once and only by the tests that use it. */
function lazy(load: () => Trace): () => Trace {
  let trace: Trace | undefined
  return () => {
    trace ??= load()
    return trace
  }
}

/** Caffeine 3.2.2's hit ratios on the traces the repository carries: medians of 5 runs. */
const CAFFEINE_3_2_2 = { web12at1000: 0.6725, web12at4000: 0.7809, ormBusy500kAt5000: 0.8217 } as const

const TRACES: ReadonlyArray<readonly [string, () => Trace, number]> = [
  ['web12', lazy(() => readTraceFile(fixture('web12.trace.xz'))), 1000],
  ['orm-busy (first 500k)', lazy(() => readTraceFile(fixture('orm-busy-500k.trace.xz'))), 5000],
  ['zipf 0.8', lazy(() => zipfTrace({ s: 0.8 })), 1000],
  ['zipf 0.99', lazy(() => zipfTrace({ s: 0.99 })), 1000],
  ['zipf 1.2', lazy(() => zipfTrace({ s: 1.2 })), 1000],
  ['zipf 0.8 + scan', lazy(() => zipfTrace({ s: 0.8, scan: 20_000 })), 1000],
  ['zipf 0.99 + scan', lazy(() => zipfTrace({ s: 0.99, scan: 20_000 })), 1000],
  ['zipf 1.2 + scan', lazy(() => zipfTrace({ s: 1.2, scan: 20_000 })), 1000],
]

describe('hit ratio', () => {
  it.each(TRACES)(
    'the default policy and w-tinylfu are at least as good as lru, and no better than opt, on %s',
    (_name, trace, size) => {
      const lru = hitRatio(trace(), 'lru', size)
      const opt = hitRatio(trace(), 'opt', size)
      for (const policy of [DEFAULT_MEMORY_POLICY, 'w-tinylfu']) {
        const ratio = hitRatio(trace(), policy, size)
        expect(ratio, policy).toBeGreaterThanOrEqual(lru)
        expect(opt, policy).toBeGreaterThanOrEqual(ratio)
      }
    },
  )

  // The goal: the default policy hits at least max(LRU, Caffeine) − 0.5 points at every size the docs
  // measure, and never less than LRU. Caffeine 3.2.2 (adaptive window) replayed over the same accesses
  // by `npm run sim -- --goal`: medians of 5 runs (docs/eviction-policies.md, "The goal"). The full
  // traces (web07, orm-busy, orm-night) are measured there; these are the ones the repository carries.
  it.each([
    ['web12', 1000, TRACES[0]?.[1], CAFFEINE_3_2_2.web12at1000],
    ['web12', 4000, TRACES[0]?.[1], CAFFEINE_3_2_2.web12at4000],
    ['orm-busy (first 500k)', 5000, TRACES[1]?.[1], CAFFEINE_3_2_2.ormBusy500kAt5000],
  ] as const)(
    'the default policy is within 0.5 points of the better of lru and Caffeine 3.2.2, and not below lru, on %s at %i entries',
    (_name, size, trace, caffeine) => {
      if (trace === undefined) throw new Error('trace missing')
      const lru = hitRatio(trace(), 'lru', size)
      const ratio = hitRatio(trace(), DEFAULT_MEMORY_POLICY, size)
      expect(ratio).toBeGreaterThanOrEqual(lru)
      expect(ratio).toBeGreaterThanOrEqual(Math.max(lru, caffeine) - GOAL_MARGIN)
    },
  )

  // The issue first asked for half the LRU→OPT gap on these two; that goal was retired when Caffeine
  // itself and every online policy tried fell short of it (docs/eviction-policies.md, "Why not half the
  // gap"). These floors guard what W-TinyLFU reaches: about a third of the gap on web12, a tenth on
  // orm-busy.
  it.each([
    ['web12', TRACES[0]?.[1], 1000, 0.25],
    ['orm-busy (first 500k)', TRACES[1]?.[1], 5000, 0.05],
  ] as const)('w-tinylfu closes part of the gap between lru and opt on %s', (_name, trace, size, floor) => {
    if (trace === undefined) throw new Error('trace missing')
    const lru = hitRatio(trace(), 'lru', size)
    const wTinyLfu = hitRatio(trace(), 'w-tinylfu', size)
    const opt = hitRatio(trace(), 'opt', size)
    expect((wTinyLfu - lru) / (opt - lru)).toBeGreaterThanOrEqual(floor)
  })

  // Caffeine 2.6.2 (a fixed 1 % window) replayed over the same accesses by
  // scripts/sim/caffeine/CaffeineReplay.java: medians of 5 runs (docs/eviction-policies.md, "Checked
  // against Caffeine"). Its random tie-breaks spread single runs over up to 0.7 points on the orm-busy
  // prefix (82.00–82.67 % in 12 runs), 0.25 on web12. Our fixed-window W-TinyLFU is meant to be the
  // same policy; LRU and the adaptive window sit 1.5 to 4 points away on these rows.
  it.each([
    ['web12', TRACES[0]?.[1], 1000, 0.6739],
    ['web12', TRACES[0]?.[1], 4000, 0.7899],
    ['orm-busy (first 500k)', TRACES[1]?.[1], 5000, 0.8218],
  ] as const)(
    'fixed-window w-tinylfu hits within 0.75 points of Caffeine on %s at %i entries',
    (_name, trace, size, caffeine) => {
      if (trace === undefined) throw new Error('trace missing')
      expect(Math.abs(hitRatio(trace(), 'w-tinylfu-fixed', size) - caffeine)).toBeLessThanOrEqual(0.0075)
    },
  )

  it('opt matches a plain Belady, and lies between the optimum that must admit every miss at that size and one entry more', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(15), { maxLength: 300 }),
        fc.integer({ min: 1, max: 10 }),
        (raw, capacity) => {
          const trace = traceFromKeys('random', raw)
          const opt = optimalHits(trace, capacity)
          expect(opt).toBe(naiveBelady(trace.ids, capacity, true))
          // Bypassing a newcomer is worth at most the one slot it would have taken.
          expect(opt).toBeGreaterThanOrEqual(naiveBelady(trace.ids, capacity, false))
          expect(opt).toBeLessThanOrEqual(naiveBelady(trace.ids, capacity + 1, false))
        },
      ),
      { numRuns: 300 },
    )
  })

  it('opt is Belady: on a loop one larger than the cache it keeps all but one', () => {
    const loop = loopTrace(11, 110)
    // LRU misses every access of a loop larger than the cache; OPT hits all but one key per pass.
    expect(hitRatio(loop, 'lru', 10)).toBe(0)
    expect(hitRatio(loop, 'opt', 10)).toBeCloseTo((110 - 11 - 9) / 110, 5)
  })
})

function loopTrace(keys: number, length: number): Trace {
  const ids = new Uint32Array(length)
  for (let i = 0; i < length; i++) ids[i] = i % keys
  return { name: 'loop', ids, keys: Array.from({ length: keys }, (_, i) => `k${i}`) }
}

/**
 * Belady's MIN by brute force: on a miss with the cache full, evict the key whose next use is
 * farthest (never used again counts as farthest). With `bypass`, the newcomer is among the keys
 * that may go (it is then not cached); without, it is always admitted, as in demand paging.
 */
function naiveBelady(ids: Uint32Array, capacity: number, bypass: boolean): number {
  const nextUse = (from: number, id: number) => {
    for (let j = from + 1; j < ids.length; j++) if (ids[j] === id) return j
    return Number.POSITIVE_INFINITY
  }
  const cached = new Set<number>()
  let hits = 0
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as number
    if (cached.has(id)) {
      hits++
      continue
    }
    cached.add(id)
    if (cached.size <= capacity) continue
    let victim = -1
    let farthest = -1
    for (const other of cached) {
      if (!bypass && other === id) continue
      const next = nextUse(i, other)
      if (next > farthest) {
        farthest = next
        victim = other
      }
    }
    cached.delete(victim)
  }
  return hits
}
