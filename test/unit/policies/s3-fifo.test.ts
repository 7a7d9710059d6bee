import { describe, expect, it } from 'vitest'
import type { PolicyValue } from '../../../src/tiers/memory/eviction-policy.js'
import { s3FifoPolicy } from '../../../src/tiers/memory/policies/s3-fifo.js'

function make(maxEntries: number, maxBytes = Number.MAX_SAFE_INTEGER) {
  const evicted: string[] = []
  const policy = s3FifoPolicy<PolicyValue>({ maxEntries, maxBytes, onEvict: (key) => evicted.push(key) })
  const add = (key: string) => policy.set(key, { policySlot: 0 }, 1)
  return { policy, evicted, add }
}

describe('s3-fifo policy', () => {
  it('evicts in insertion order when nothing is read, like FIFO and LRU', () => {
    const { evicted, add } = make(10)
    for (let i = 0; i < 15; i++) add(`k${i}`)
    expect(evicted).toEqual(['k0', 'k1', 'k2', 'k3', 'k4'])
  })

  it('keeps keys read twice in the small queue: a scan of one-time keys passes them by', () => {
    const { policy, evicted, add } = make(100)
    for (let i = 0; i < 50; i++) add(`hot${i}`)
    for (let round = 0; round < 2; round++) for (let i = 0; i < 50; i++) policy.get(`hot${i}`)
    for (let i = 0; i < 1000; i++) add(`scan${i}`)
    for (let i = 0; i < 50; i++) expect(policy.peek(`hot${i}`)).toBeDefined()
    expect(evicted).toHaveLength(950)
    expect(evicted.every((key) => key.startsWith('scan'))).toBe(true)
  })

  it('lets a key read once in the small queue go, and sends it straight to main when it comes back soon', () => {
    const { policy, evicted, add } = make(20)
    for (let i = 0; i < 20; i++) add(`k${i}`)
    policy.get('k0')
    add('k20') // k0 was read only once: it leaves, and its hash goes to the ghost queue
    expect(evicted).toEqual(['k0'])
    add('k0') // back while remembered: into main, so the next one-time keys leave before it
    for (let i = 21; i < 30; i++) add(`k${i}`)
    expect(policy.peek('k0')).toBeDefined()
    expect(evicted).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9', 'k10'])
  })

  it('bounds the work of one eviction: with every entry read often, one eviction moves at most 64', () => {
    const { policy, evicted, add } = make(1000)
    for (let i = 0; i < 1000; i++) add(`k${i}`)
    for (let round = 0; round < 3; round++) for (let i = 0; i < 1000; i++) policy.get(`k${i}`)
    add('new')
    expect(evicted).toHaveLength(1)
    expect(policy.size).toBe(1000)
    // The small queue's oldest 64 moved to main; the 65th, read as often, went regardless.
    expect(evicted).toEqual(['k64'])
  })

  it('never evicts the entry a write just replaced, even when it is the oldest of its queue', () => {
    const { policy, evicted } = make(10, 100)
    for (const key of ['a', 'b', 'c']) policy.set(key, { policySlot: 0 }, 10)
    const replaced = { policySlot: 0 }
    policy.set('a', replaced, 85) // 100 bytes hold 105 now: one entry must go, not the one just written
    expect(policy.get('a')).toBe(replaced)
    expect(evicted).toEqual(['b'])
  })

  it('holds both bounds, the small queue its share of each', () => {
    const { policy } = make(50, 5_000)
    for (let i = 0; i < 2_000; i++) {
      policy.set(`k${i % 300}`, { policySlot: 0 }, 1 + ((i * 37) % 400))
      if (i % 3 === 0) policy.get(`k${(i * 7) % 300}`)
      expect(policy.size).toBeLessThanOrEqual(50)
      expect(policy.bytes).toBeLessThanOrEqual(5_000)
    }
  })
})
