import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { coarseNow, isBeforePlain, NEVER_PLAIN, plainSecond } from '../../src/clock.js'
import { createCache, memoryTier, type TierCache } from '../../src/index.js'
import { ManualClock } from '../support/manual-clock.js'
import { loadsFinished, waitFor } from '../support/wait.js'

const caches: TierCache[] = []
function cache(options: Partial<Parameters<typeof createCache>[0]> = {}): TierCache {
  const made = createCache({ namespace: 'fast', tiers: [memoryTier()], ...options })
  caches.push(made)
  return made
}
afterEach(async () => {
  await Promise.all(caches.splice(0).map((c) => c.close()))
})
const nextTurn = () => new Promise((resolve) => setImmediate(resolve))

describe('the L1 fast path', () => {
  test('a hit returns the same settled promise every time, and nothing is loaded again', async () => {
    const c = cache()
    let loads = 0
    const loader = () => {
      loads++
      return { id: 1 }
    }
    const first = await c.getOrLoad('k', loader)
    const hitA = c.getOrLoad('k', loader)
    const hitB = c.getOrLoad('k', loader)
    expect(hitA).toBe(hitB)
    expect(c.get('k')).toBe(hitA)
    expect(await hitA).toEqual(first)
    expect(Object.isFrozen(await hitA)).toBe(true)
    expect(loads).toBe(1)
    expect(c.stats().tiers[0]).toMatchObject({ hits: 3 })
  })

  test('a new value written makes a new promise', async () => {
    const c = cache()
    await c.set('k', { v: 1 })
    const before = c.getOrLoad('k', () => ({ v: 0 }))
    await c.set('k', { v: 2 })
    const after = c.getOrLoad('k', () => ({ v: 0 }))
    expect(after).not.toBe(before)
    expect(await after).toEqual({ v: 2 })
  })

  test("protection 'clone' gives every hit its own copy", async () => {
    const c = cache({ tiers: [memoryTier({ protection: 'clone' })] })
    await c.set('k', { list: [1, 2] })
    const a = await c.getOrLoad('k', () => ({ list: [] as number[] }))
    const b = await c.getOrLoad('k', () => ({ list: [] }))
    expect(a).toEqual({ list: [1, 2] })
    expect(a).not.toBe(b)
    a.list.push(3)
    expect(await c.get('k')).toEqual({ list: [1, 2] })
  })

  test('calls with options, tags and invalid arguments take the checked path', async () => {
    const c = cache()
    expect(await c.getOrLoad('t', () => 'tagged', { tags: ['group'] })).toBe('tagged')
    expect(await c.getOrLoad('t', () => 'reloaded', { tags: ['group'] })).toBe('tagged')
    await c.invalidateTags(['group'])
    expect(await c.getOrLoad('t', () => 'reloaded')).toBe('reloaded')
    await expect(c.getOrLoad('', () => 1)).rejects.toMatchObject({ code: 'ERR_INVALID_KEY' })
    await expect(c.getOrLoad('k', 42 as never)).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' })
    await expect(c.getOrLoad('x'.repeat(2000), () => 1)).rejects.toMatchObject({
      code: 'ERR_INVALID_KEY',
    })
  })

  test('an entry past its fresh period is not served fresh once the event loop has turned', async () => {
    // The system clock's coarse reading is what is under test: the wall clock is faked, not injected.
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      const c = cache({ grace: 0 })
      await c.getOrLoad('short', () => 'first', { ttl: 20 })
      vi.setSystemTime(Date.now() + 20)
      await nextTurn()
      expect(await c.getOrLoad('short', () => 'second')).toBe('second')
    } finally {
      vi.useRealTimers()
    }
  })

  test('an injected clock is read on every fast-path hit, with no lag', async () => {
    const clock = new ManualClock()
    const c = cache({ grace: 0, clock })
    await c.getOrLoad('short', () => 'first', { ttl: 20 })
    await loadsFinished(c)
    clock.advance(19)
    expect(await c.getOrLoad('short', () => 'second')).toBe('first')
    clock.advance(1)
    expect(await c.getOrLoad('short', () => 'second')).toBe('second')
  })

  test('refresh-ahead still starts from a fast-path hit', async () => {
    const clock = new ManualClock()
    const c = cache({ ttl: 100, load: { refreshAhead: 0.9 }, clock })
    let loads = 0
    const loader = () => ++loads
    expect(await c.getOrLoad('r', loader)).toBe(1)
    await loadsFinished(c)
    clock.advance(20)
    expect(await c.getOrLoad('r', loader)).toBe(1)
    await c.idle()
    await waitFor(() => loads === 2, { what: 'the refresh' })
    expect(await c.getOrLoad('r', loader)).toBe(2)
  })
})

describe('coarseNow', () => {
  // coarseNow reads Date.now() itself: the wall clock is faked, so these tests move it without waiting.
  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    await nextTurn() // drop the reading an earlier test took
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  test('tracks Date.now() to within one event-loop turn', async () => {
    await nextTurn()
    const reading = coarseNow()
    expect(reading).toBe(Date.now())
    vi.setSystemTime(Date.now() + 15)
    expect(coarseNow()).toBe(reading) // the same turn: the reading is shared
    await nextTurn()
    const later = coarseNow()
    expect(later - reading).toBe(15)
    expect(later).toBe(Date.now())
  })

  test('takes a new reading after 1,024 reads even within one turn', () => {
    const first = coarseNow()
    vi.setSystemTime(Date.now() + 3)
    let latest = first
    for (let i = 0; i < 1100; i++) latest = coarseNow()
    expect(latest).toBeGreaterThan(first)
  })
})

describe('plain-until seconds', () => {
  test('round down, so the fast path never serves an entry past its exact time', () => {
    const until = Date.UTC(2026, 10, 26, 9, 0, 0, 750)
    const second = plainSecond(until)
    expect(Number.isInteger(second)).toBe(true)
    expect(isBeforePlain(until - 751, second)).toBe(true)
    expect(isBeforePlain(until - 750, second)).toBe(false)
    expect(isBeforePlain(until, second)).toBe(false)
    expect(isBeforePlain(until, plainSecond(until + 249))).toBe(false)
    expect(isBeforePlain(until, plainSecond(until + 250))).toBe(true)
  })

  test('never applies to the NEVER_PLAIN sentinel, nor to times that are not numbers', () => {
    expect(isBeforePlain(0, NEVER_PLAIN)).toBe(false)
    expect(isBeforePlain(Date.now(), NEVER_PLAIN)).toBe(false)
    expect(plainSecond(Number.NaN)).toBe(NEVER_PLAIN)
    expect(plainSecond(Number.NEGATIVE_INFINITY)).toBe(NEVER_PLAIN)
    expect(isBeforePlain(Date.now(), plainSecond(Number.POSITIVE_INFINITY))).toBe(true)
  })
})
