import { describe, expect, it } from 'vitest'
import type { PolicyValue } from '../../../src/tiers/memory/eviction-policy.js'
import { FrequencySketch, hashKey } from '../../../src/tiers/memory/policies/frequency-sketch.js'
import { GhostFeedback } from '../../../src/tiers/memory/policies/ghost-feedback.js'
import { lruPolicy } from '../../../src/tiers/memory/policies/lru.js'
import { createWTinyLfuPolicy, wTinyLfuPolicy } from '../../../src/tiers/memory/policies/w-tinylfu.js'

const limits = (maxEntries: number, maxBytes = Number.MAX_SAFE_INTEGER) => ({
  maxEntries,
  maxBytes,
  onEvict: () => {},
})

describe('FrequencySketch', () => {
  it('estimates how often a key was counted, saturating at 15', () => {
    const sketch = new FrequencySketch(1024)
    const hot = hashKey('hot')
    for (let i = 0; i < 5; i++) sketch.increment(hot)
    expect(sketch.frequency(hot)).toBe(5)
    for (let i = 0; i < 50; i++) sketch.increment(hot)
    expect(sketch.frequency(hot)).toBe(15)
    expect(sketch.frequency(hashKey('never seen'))).toBe(0)
  })

  it('rarely overestimates a key among many others (count-min)', () => {
    const sketch = new FrequencySketch(1024)
    for (let i = 0; i < 1024; i++) sketch.increment(hashKey(`k${i}`))
    let overestimated = 0
    for (let i = 0; i < 1024; i++) if (sketch.frequency(hashKey(`k${i}`)) > 1) overestimated++
    expect(overestimated).toBeLessThan(1024 * 0.05)
  })

  it('halves every counter after sampleSize increments, so popularity ages', () => {
    const sketch = new FrequencySketch(1024)
    const hot = hashKey('hot')
    for (let i = 0; i < 12; i++) sketch.increment(hot)
    expect(sketch.frequency(hot)).toBe(12)
    // Fill the rest of the sample with other keys until the halving happens.
    let others = 0
    while (sketch.frequency(hot) >= 12 && others < 2 * sketch.sampleSize)
      sketch.increment(hashKey(`other${others++}`))
    expect(others).toBeGreaterThan(sketch.sampleSize / 2)
    // 12 halves to 6; another key may share a counter and add one.
    expect(sketch.frequency(hot)).toBeGreaterThanOrEqual(6)
    expect(sketch.frequency(hot)).toBeLessThanOrEqual(7)
  })

  it('hashes strings to well spread 32-bit values', () => {
    const buckets = new Array<number>(16).fill(0)
    for (let i = 0; i < 16_000; i++) {
      const hash = hashKey(`user:${i}`)
      expect(hash).toBeGreaterThanOrEqual(0)
      expect(hash).toBeLessThan(2 ** 32)
      buckets[hash >>> 28] = (buckets[hash >>> 28] ?? 0) + 1
    }
    for (const count of buckets) expect(count).toBeGreaterThan(800)
  })
})

describe('GhostFeedback', () => {
  it('grows the window on a miss of a rejected candidate and shrinks it on a miss of a main victim', () => {
    const ghosts = new GhostFeedback()
    ghosts.recordEviction(1, true)
    ghosts.recordEviction(2, false)
    expect(ghosts.adjustmentOnMiss(1, 100)).toBeGreaterThan(0)
    expect(ghosts.adjustmentOnMiss(2, 100)).toBeLessThan(0)
    // Each ghost answers once, and unknown keys say nothing.
    expect(ghosts.adjustmentOnMiss(1, 100)).toBe(0)
    expect(ghosts.adjustmentOnMiss(3, 100)).toBe(0)
  })

  it('forgets the oldest ghosts beyond a tenth of the entries held', () => {
    const ghosts = new GhostFeedback()
    ghosts.adjustmentOnMiss(-1, 100) // capacity 10
    for (let hash = 0; hash < 20; hash++) ghosts.recordEviction(hash, true)
    expect(ghosts.adjustmentOnMiss(5, 100)).toBe(0)
    expect(ghosts.adjustmentOnMiss(15, 100)).toBeGreaterThan(0)
  })
})

describe('wTinyLfuPolicy', () => {
  it('keeps a popular working set through a scan of one-time keys, where LRU loses it', () => {
    const survivors = (policy: ReturnType<typeof wTinyLfuPolicy<PolicyValue>>) => {
      for (let round = 0; round < 20; round++) {
        for (let i = 0; i < 80; i++)
          if (policy.get(`hot${i}`) === undefined) policy.set(`hot${i}`, { policySlot: 0 }, 1)
      }
      for (let i = 0; i < 5000; i++)
        if (policy.get(`scan${i}`) === undefined) policy.set(`scan${i}`, { policySlot: 0 }, 1)
      let held = 0
      for (let i = 0; i < 80; i++) if (policy.peek(`hot${i}`) !== undefined) held++
      return held
    }
    expect(survivors(wTinyLfuPolicy<PolicyValue>(limits(100)))).toBeGreaterThanOrEqual(75)
    expect(survivors(lruPolicy<PolicyValue>(limits(100)))).toBe(0)
  })

  it('admits a newcomer over a victim only when it is more popular', () => {
    const evicted: string[] = []
    const policy = createWTinyLfuPolicy({ adaptation: 'none' })<PolicyValue>({
      maxEntries: 10,
      maxBytes: Number.MAX_SAFE_INTEGER,
      onEvict: (key) => evicted.push(key),
    })
    const value = { policySlot: 0 }
    for (let i = 0; i < 10; i++) {
      policy.set(`resident${i}`, value, 1)
      policy.get(`resident${i}`)
    }
    // A one-time key loses against residents read twice.
    policy.set('once', value, 1)
    policy.set('once-more', value, 1)
    expect(policy.peek('once')).toBeUndefined()
    expect(evicted).toContain('once')
    // A key asked for often enough is let in.
    for (let i = 0; i < 5; i++) policy.set('popular', value, 1)
    policy.set('pusher', value, 1)
    expect(policy.peek('popular')).toBe(value)
  })

  it('evicts by bytes until both bounds hold, even for one large newcomer', () => {
    const evicted: string[] = []
    const policy = wTinyLfuPolicy<PolicyValue>({
      maxEntries: 100,
      maxBytes: 1000,
      onEvict: (key) => evicted.push(key),
    })
    for (let i = 0; i < 10; i++) policy.set(`small${i}`, { policySlot: 0 }, 100)
    expect(policy.bytes).toBe(1000)
    policy.set('large', { policySlot: 0 }, 600)
    expect(policy.bytes).toBeLessThanOrEqual(1000)
    expect(evicted.length).toBeGreaterThan(0)
  })

  it('rejects a window share outside 0–0.8 and an unknown adaptation', () => {
    expect(() => createWTinyLfuPolicy({ windowShare: 0.9 })).toThrow(/windowShare/)
    expect(() => createWTinyLfuPolicy({ windowShare: Number.NaN })).toThrow(/windowShare/)
    expect(() => createWTinyLfuPolicy({ adaptation: 'psychic' as 'none' })).toThrow(/adaptation/)
  })
})
