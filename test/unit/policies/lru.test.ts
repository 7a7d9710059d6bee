import { describe, expect, it } from 'vitest'
import { lruPolicy } from '../../../src/tiers/memory/policies/lru.js'

function make(maxEntries: number, maxBytes = Number.MAX_SAFE_INTEGER) {
  const evicted: string[] = []
  const policy = lruPolicy<{ n: number; policySlot: number }>({
    maxEntries,
    maxBytes,
    onEvict: (key) => evicted.push(key),
  })
  return { policy, evicted }
}

describe('lru policy', () => {
  it('evicts the least recently used entry; get refreshes recency, peek does not', () => {
    const { policy, evicted } = make(3)
    for (const key of ['a', 'b', 'c']) policy.set(key, { n: 0, policySlot: 0 }, 1)
    policy.get('a')
    policy.peek('b')
    policy.set('d', { n: 0, policySlot: 0 }, 1)
    expect(evicted).toEqual(['b'])
    policy.set('c', { n: 1, policySlot: 0 }, 1) // a replace counts as a use
    policy.set('e', { n: 0, policySlot: 0 }, 1)
    expect(evicted).toEqual(['b', 'a'])
  })

  it('grows past its first slots, reuses freed ones, and stays exact across growth', () => {
    const { policy, evicted } = make(1000)
    for (let i = 0; i < 1000; i++) policy.set(`k${i}`, { n: i, policySlot: 0 }, 1)
    for (let i = 0; i < 1000; i += 2) policy.delete(`k${i}`)
    for (let i = 0; i < 500; i++) policy.set(`n${i}`, { n: i, policySlot: 0 }, 1)
    expect(policy.size).toBe(1000)
    expect(policy.peek('k1')).toMatchObject({ n: 1 })
    expect(policy.peek('n499')).toMatchObject({ n: 499 })
    policy.set('overflow', { n: 0, policySlot: 0 }, 1)
    expect(evicted).toEqual(['k1'])
    policy.clear()
    expect(policy.size).toBe(0)
    policy.set('again', { n: 1, policySlot: 0 }, 1)
    expect(policy.get('again')).toMatchObject({ n: 1 })
  })
})
