import { describe, expect, test } from 'vitest'
import { checkReads, propagationDelays } from '../../scripts/consistency/analyze.js'

describe('the consistency checker', () => {
  const writes = [
    { key: 'p:1', version: 2, acknowledgedAt: 1000 },
    { key: 'p:1', version: 3, acknowledgedAt: 2000 },
  ]

  test('flags a read older than a version acknowledged more than B earlier', () => {
    const verdict = checkReads(
      [
        { key: 'p:1', version: 1, startedAt: 900 }, // before any write: fine
        { key: 'p:1', version: 1, startedAt: 1050 }, // 50 ms after v2: within B
        { key: 'p:1', version: 1, startedAt: 1200 }, // 200 ms after v2: beyond B
        { key: 'p:1', version: 2, startedAt: 2500 }, // 500 ms after v3: beyond B
        { key: 'p:1', version: 3, startedAt: 2500 }, // current
        { key: 'p:2', version: 1, startedAt: 5000 }, // never written
      ],
      writes,
      100,
    )
    expect(verdict).toMatchObject({ reads: 6, staleWithinBound: 1, staleBeyondBound: 2, maxStalenessMs: 500 })
    expect(verdict.examples[0]).toMatch(/p:1: read v1 200\.0 ms after v2/)
  })

  test("measures propagation from the write to each other worker's first receipt", () => {
    const delays = propagationDelays(
      [{ key: 'p:1', version: 2, acknowledgedAt: 1000, startedAt: 990, worker: 0 }],
      [
        { key: 'p:1', worker: 0, at: 1001 }, // the writer itself: ignored
        { key: 'p:1', worker: 1, at: 980 }, // before the write started: an older one
        { key: 'p:1', worker: 1, at: 1003 },
        { key: 'p:1', worker: 2, at: 998 },
      ],
      3,
    )
    expect(delays).toEqual([3, -2])
  })
})
