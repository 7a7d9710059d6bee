import { describe, expect, test } from 'vitest'
import { LatencyHistogram } from '../../packages/demo/src/histogram.js'
import { escapeXml, niceTicks } from '../../packages/demo/src/report/svg.js'
import { createRandom, pickProduct } from '../../packages/demo/src/workload.js'
import { formatMicros, renderTable } from '../../src/cli/format.js'
import { bucketQuantile, parsePrometheusText } from '../../src/cli/metrics-text.js'

describe('the demo latency histogram', () => {
  test('percentiles are within a bucket (about 9 %) of the exact value, and histograms merge', () => {
    const a = new LatencyHistogram()
    const b = new LatencyHistogram()
    for (let i = 1; i <= 1000; i++) (i % 2 ? a : b).record(i)
    const merged = LatencyHistogram.from(a.toJSON())
    merged.merge(b.toJSON())
    expect(merged.count).toBe(1000)
    expect(merged.percentile(50)).toBeGreaterThanOrEqual(500)
    expect(merged.percentile(50)).toBeLessThan(500 * 1.1)
    expect(merged.percentile(99)).toBeGreaterThanOrEqual(990)
    expect(merged.percentile(100)).toBe(1000)
    expect(new LatencyHistogram().percentile(50)).toBeNaN()
  })
})

test('the workload sends the configured share of views to the popular products', () => {
  const random = createRandom(42)
  const shape = { products: 100_000, popular: 1000, skew: 0.9, categories: 200, listingShare: 0 }
  let popular = 0
  for (let i = 0; i < 100_000; i++) if (pickProduct(shape, random) <= 1000) popular++
  expect(popular / 100_000).toBeCloseTo(0.9 + 0.1 * 0.01, 2)
})

test('charts: nice ticks and escaped text', () => {
  expect(niceTicks(97)).toEqual([0, 20, 40, 60, 80, 100])
  expect(niceTicks(1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1])
  expect(escapeXml('<a & "b">')).toBe('&#60;a &#38; &#34;b&#34;&#62;')
})

test('formatting', () => {
  expect(formatMicros(0.5)).toBe('0.5 µs')
  expect(formatMicros(1500)).toBe('1.50 ms')
  expect(formatMicros(undefined)).toBe('-')
  expect(
    renderTable([
      ['tier', 'hits'],
      ['memory', '1,000'],
      ['hot', '7'],
    ]),
  ).toBe('tier    hits\n──────  ─────\nmemory  1,000\nhot         7')
})

test('Prometheus text parsing reads names, escaped labels and special values', () => {
  const samples = parsePrometheusText(
    '# HELP x y\n# TYPE x counter\nx{a="1",b="q\\"uote"} 3\ny 4.5\nz{le="+Inf"} +Inf\n\n',
  )
  expect(samples).toEqual([
    { name: 'x', labels: { a: '1', b: 'q"uote' }, value: 3 },
    { name: 'y', labels: {}, value: 4.5 },
    { name: 'z', labels: { le: '+Inf' }, value: Number.POSITIVE_INFINITY },
  ])
})

test('quantiles from histogram buckets interpolate within the bucket, as histogram_quantile does', () => {
  const buckets = parsePrometheusText(
    [
      'h_bucket{le="0.1"} 0',
      'h_bucket{le="+Inf"} 100',
      'h_bucket{le="0.2"} 50',
      'h_bucket{le="0.4"} 90',
    ].join('\n'),
  )
  expect(bucketQuantile(buckets, 0.5)).toBeCloseTo(0.2)
  expect(bucketQuantile(buckets, 0.25)).toBeCloseTo(0.15)
  expect(bucketQuantile(buckets, 0.7)).toBeCloseTo(0.3)
  // Past the highest finite bound: that bound.
  expect(bucketQuantile(buckets, 0.99)).toBe(0.4)
  expect(bucketQuantile(parsePrometheusText('h_bucket{le="+Inf"} 0'), 0.5)).toBeUndefined()
})
