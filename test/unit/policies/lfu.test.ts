import { describe, expect, it } from 'vitest'
import type { PolicyValue } from '../../../src/tiers/memory/eviction-policy.js'
import { lfuPolicy } from '../../../src/tiers/memory/policies/lfu.js'

function make(maxEntries: number) {
  const evicted: string[] = []
  const policy = lfuPolicy<PolicyValue>({
    maxEntries,
    maxBytes: Number.MAX_SAFE_INTEGER,
    onEvict: (key) => evicted.push(key),
  })
  return { policy, evicted }
}

describe('lfuPolicy', () => {
  it('evicts the least frequently used entry, the least recently used among equals', () => {
    const { policy, evicted } = make(3)
    const value = { policySlot: 0 }
    policy.set('a', value, 1)
    policy.set('b', value, 1)
    policy.set('c', value, 1)
    policy.get('a')
    policy.get('a')
    policy.get('c')
    policy.set('d', value, 1) // b: 1 access, the least
    expect(evicted).toEqual(['b'])
    policy.set('e', value, 1) // d: 1 access, least recent among the 1-access entries
    expect(evicted).toEqual(['b', 'd'])
    expect(policy.peek('a')).toBe(value)
  })

  it('peek does not count as an access', () => {
    const { policy, evicted } = make(2)
    const value = { policySlot: 0 }
    policy.set('a', value, 1)
    policy.set('b', value, 1)
    for (let i = 0; i < 5; i++) policy.peek('a')
    policy.get('b')
    policy.set('c', value, 1)
    expect(evicted).toEqual(['a'])
  })

  it('ages counts so that a formerly popular key gives way to a newly popular one', () => {
    const { policy } = make(10)
    const value = { policySlot: 0 }
    policy.set('old-favourite', value, 1)
    for (let i = 0; i < 500; i++) policy.get('old-favourite')
    // A new phase: ten other keys are read over and over; the old favourite is never read again.
    for (let round = 0; round < 2000; round++) {
      for (let i = 0; i < 10; i++) if (policy.get(`new${i}`) === undefined) policy.set(`new${i}`, value, 1)
    }
    expect(policy.peek('old-favourite')).toBeUndefined()
  })
})
