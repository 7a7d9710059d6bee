import { describe, expect, test } from 'vitest'
import { plural } from '../../packages/demo/src/figures.js'
import { fitToWidth, ProgressBar } from '../../packages/demo/src/progress.js'
import { rangeTicks } from '../../packages/demo/src/report/svg.js'
import { hasSettled, type SettleSample } from '../../packages/demo/src/settle.js'

function stream(isTTY: boolean, columns?: number) {
  const written: string[] = []
  const fake = { isTTY, columns, write: (text: string) => written.push(text) }
  return { fake: fake as unknown as NodeJS.WriteStream, written }
}

describe('the demo progress line', () => {
  test('is not cut when the terminal width is unknown', () => {
    expect(fitToWidth('with tiercache done: warm-up 3.1 s, measured 5.0 s', undefined)).toBe(
      'with tiercache done: warm-up 3.1 s, measured 5.0 s',
    )
    const { fake, written } = stream(true, undefined)
    const bar = new ProgressBar(fake, 'with tiercache')
    bar.measuring(2500, 5000, '2,900 served/s  65.2 % from memory')
    bar.done('done')
    expect(written.join('')).toContain('65.2 % from memory\x1b[K')
    expect(written.join('')).toContain('with tiercache done\x1b[K\n')
  })

  test('fits a known width, leaving the last column free and marking the cut', () => {
    expect(fitToWidth('abcdef', 7)).toBe('abcdef')
    expect(fitToWidth('abcdefg', 7)).toBe('abcde…')
    expect([...fitToWidth('█'.repeat(100), 40)]).toHaveLength(39)
  })

  test('without a terminal writes whole plain lines: warm-up now and then, then each quarter', () => {
    const { fake, written } = stream(false)
    const bar = new ProgressBar(fake, 'with tiercache')
    for (let ms = 0; ms <= 7000; ms += 500) bar.warming(ms, 30_000, 'detail')
    for (let ms = 0; ms <= 5000; ms += 500) bar.measuring(ms, 5000, '65.2 % from memory')
    bar.done('done: warm-up 7.0 s, measured 5.0 s')
    expect(
      written.every((line) => line.endsWith('\n') && !line.includes('\r') && !line.includes('\x1b')),
    ).toBe(true)
    expect(written.filter((line) => line.includes('warming up'))).toHaveLength(3) // 0, 3 and 6 s
    expect(written.filter((line) => line.includes('measuring'))).toHaveLength(5) // 0, 25, 50, 75, 100 %
    expect(written.filter((line) => line.includes('measuring')).at(-1)).toMatch(
      /100 % 5\.0\/5 s {2}65\.2 % from memory\n$/,
    )
    expect(written.at(-1)).toBe('with tiercache done: warm-up 7.0 s, measured 5.0 s\n')
  })

  test('says "1 instance" and "3 instances"', () => {
    expect(plural(1, 'instance')).toBe('1 instance')
    expect(plural(3, 'instance')).toBe('3 instances')
    expect(plural(1200, 'read')).toBe('1,200 reads')
  })
})

/** Samples every 500 ms whose shares follow `share(second)`, `perSecond` requests a second. */
function samples(
  count: number,
  share: (seconds: number) => { withoutDatabase: number; memory: number },
  perSecond = 3000,
) {
  const list: SettleSample[] = []
  let totals = { served: 0, dbReads: 0, memory: 0 }
  for (let i = 1; i <= count; i++) {
    const { withoutDatabase, memory } = share(i / 2)
    const served = perSecond / 2
    totals = {
      served: totals.served + served,
      dbReads: totals.dbReads + served * (1 - withoutDatabase),
      memory: totals.memory + served * memory,
    }
    list.push({ atMs: i * 500, ...totals })
  }
  return list
}

describe('the end of the demo warm-up', () => {
  test('waits while the share answered without the database still climbs', () => {
    const warming = samples(12, (s) => ({
      withoutDatabase: Math.min(0.9, s / 10),
      memory: Math.min(0.85, s / 10),
    }))
    expect(hasSettled(warming, 3000)).toBe(false)
  })

  test('comes once two windows in a row agree', () => {
    const steady = samples(12, () => ({ withoutDatabase: 0.9, memory: 0.85 }))
    expect(hasSettled(steady, 3000)).toBe(true)
  })

  test('needs two whole windows of samples', () => {
    expect(
      hasSettled(
        samples(6, () => ({ withoutDatabase: 0.9, memory: 0.85 })),
        3000,
      ),
    ).toBe(false)
  })

  test('on a starved machine, waits for as many requests as a second at the offered rate, not just for time', () => {
    // 300 requests a second instead of 3,000: the shares climb 1 point a second, within 2 points
    // over 1.5 s, yet far from settled over 3,000 requests.
    const starved = samples(60, (s) => ({ withoutDatabase: 0.3 + s / 100, memory: 0.2 + s / 100 }), 300)
    expect(hasSettled(starved, 3000)).toBe(false)
    expect(hasSettled(starved, 0)).toBe(true) // what a window of time alone would say
  })

  test('without the cache, waits for throughput to stop changing', () => {
    const rising: SettleSample[] = []
    let served = 0
    for (let i = 1; i <= 12; i++) {
      served += 100 * i
      rising.push({ atMs: i * 500, served, dbReads: served, memory: 0 })
    }
    expect(hasSettled(rising, 3000)).toBe(false)
  })
})

test('chart ticks cover a range that starts below zero (the warm-up), 0 among them', () => {
  const ticks = rangeTicks(-11.7, 15.4, 8)
  expect(ticks[0]).toBeLessThanOrEqual(-11.7)
  expect(ticks.at(-1)).toBeGreaterThanOrEqual(15.4)
  expect(ticks).toContain(0)
})
