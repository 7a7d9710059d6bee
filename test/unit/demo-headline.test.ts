import { expect, test } from 'vitest'
import { comparisonTable, headline } from '../../packages/demo/src/figures.js'
import type { DemoSummary } from '../../packages/demo/src/summary.js'
import { fixedDemoSummary } from '../support/demo-summary.js'

test('the headline gives the steady state: requests/s, database reads per request and p99 of both runs', () => {
  const lines = headline(fixedDemoSummary())
  expect(lines[0]).toBe(
    'At steady state (measured for 15.0 s after a 12.0 s warm-up): 3,000/s served, 0.100 database reads per request, p99 20.0 ms.',
  )
  expect(lines[1]).toBe(
    'Without the cache (15.0 s after 4.0 s): 2,000/s served, 1.000 database reads per request, p99 20.0 ms.',
  )
  expect(lines).toHaveLength(2)
})

test('a warm-up that ran out before the figures settled says so first, and the figures are not called steady', () => {
  const summary = fixedDemoSummary()
  const unsettled: DemoSummary = { ...summary, cached: { ...summary.cached, settled: false } }
  const lines = headline(unsettled)
  expect(lines[0]).toMatch(
    /^NOT AT STEADY STATE: the hit ratios were still changing when the warm-up limit ran out/,
  )
  expect(lines.join('\n')).not.toMatch(/At steady state/)
  expect(comparisonTable(unsettled).find((row) => row[0] === 'warm-up')?.[1]).toBe('12.0 s (not settled)')
})

test('a higher p99 with tiercache comes with its causes as measured', () => {
  const summary = fixedDemoSummary()
  const direct = summary.direct as NonNullable<DemoSummary['direct']>
  const slower: DemoSummary = {
    ...summary,
    direct: {
      ...direct,
      requestLatency: { p50: 30_000, p90: 5000, p99: 10_000, p999: 80_000, max: 200_000 },
    },
  }
  const explanation = headline(slower)[2]
  expect(explanation).toMatch(/^p99 is higher with tiercache \(20\.0 ms against 10\.0 ms\)/)
  expect(explanation).toMatch(
    /10\.0 % of requests that still read the database, whose queries took up to 140 ms/,
  )
  expect(explanation).toMatch(/event loops ran up to 15\.0 ms late/)
  expect(explanation).toMatch(
    /load average was 6\.0 on \d+ cores? and some process was waiting for a CPU 90\.0 % of the last minute/,
  )
})

test('reads and writes to the database are rows of their own, and the answered shares add up', () => {
  const rows = comparisonTable(fixedDemoSummary())
  const row = (label: string) => rows.find((cells) => cells[0]?.trim() === label)
  expect(row('database reads')).toEqual(['database reads', '4,500 (300/s)', '30,000 (2,000/s)'])
  expect(row('database writes (updates)')).toEqual(['database writes (updates)', '300 (20/s)', '300 (20/s)'])
  expect(row('database reads per request')).toEqual(['database reads per request', '0.100', '1.000'])
  const shares = ['answered from memory at once', 'after a Redis round trip', 'by a database read'].map(
    (label) => Number.parseFloat(row(label)?.[1] ?? ''),
  )
  expect(shares.reduce((total, share) => total + share, 0)).toBeCloseTo(100, 1)
})
