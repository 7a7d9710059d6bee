import { describe, expect, it } from 'vitest'
import type { PolicyValue } from '../../../src/tiers/memory/eviction-policy.js'
import { clockPolicy } from '../../../src/tiers/memory/policies/clock.js'

function make(maxEntries: number, maxBytes = Number.MAX_SAFE_INTEGER) {
  const evicted: string[] = []
  const policy = clockPolicy<PolicyValue>({ maxEntries, maxBytes, onEvict: (key) => evicted.push(key) })
  const add = (key: string) => policy.set(key, { policySlot: 0 }, 1)
  return { policy, evicted, add }
}

describe('clock policy', () => {
  it('gives an entry read since it was added a second chance: the oldest unread one goes first', () => {
    const { policy, evicted, add } = make(3)
    for (const key of ['a', 'b', 'c']) add(key)
    policy.get('a')
    add('d')
    expect(evicted).toEqual(['b'])
    // 'a' was moved to the recent end with its bit cleared: unread since, it goes after 'c'.
    add('e')
    add('f')
    expect(evicted).toEqual(['b', 'c', 'a'])
  })

  it('evicts in insertion order when nothing is read, like LRU', () => {
    const { evicted, add } = make(4)
    for (let i = 0; i < 10; i++) add(`k${i}`)
    expect(evicted).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5'])
  })

  it('bounds the work of one eviction: with every entry read, the ninth oldest goes after eight second chances', () => {
    const { policy, evicted, add } = make(100)
    for (let i = 0; i < 100; i++) add(`k${i}`)
    for (let i = 0; i < 100; i++) policy.get(`k${i}`)
    add('new')
    expect(evicted).toEqual(['k8'])
    expect(policy.peek('k0')).toBeDefined()
    expect(policy.size).toBe(100)
  })

  it('never evicts the entry a write just replaced, even when every other entry was read since', () => {
    const { policy, evicted } = make(10, 100)
    for (const key of ['a', 'b', 'c']) policy.set(key, { policySlot: 0 }, 10)
    policy.get('b')
    policy.get('c')
    const replaced = { policySlot: 0 }
    policy.set('a', replaced, 85) // 100 bytes hold 105 now: one entry must go, not the one just written
    expect(policy.get('a')).toBe(replaced)
    expect(evicted).toEqual(['b'])
  })

  it("forgets a freed slot's reference bit, so a newcomer in it has no second chance it never earned", () => {
    const { policy, evicted, add } = make(2)
    add('a')
    policy.get('a')
    policy.delete('a')
    add('b') // reuses a's slot
    add('c')
    add('d')
    expect(evicted).toEqual(['b'])
  })
})
