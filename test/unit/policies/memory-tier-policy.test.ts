import { describe, expect, it } from 'vitest'
import { CacheEvents } from '../../../src/cache-events.js'
import { systemClock } from '../../../src/clock.js'
import { v8Serializer } from '../../../src/codec/serializer.js'
import { lfuPolicy, wTinyLfuPolicy } from '../../../src/entries/policies.js'
import type { Entry } from '../../../src/entry.js'
import { InvalidOptionError } from '../../../src/errors.js'
import { memoryTier } from '../../../src/index.js'
import type { EvictionPolicyFactory, PolicyValue } from '../../../src/tiers/memory/eviction-policy.js'
import type { MemoryPolicyName, MemoryTier } from '../../../src/tiers/memory/memory-tier.js'
import { clockPolicy } from '../../../src/tiers/memory/policies/clock.js'
import { lruPolicy } from '../../../src/tiers/memory/policies/lru.js'
import { s3FifoPolicy } from '../../../src/tiers/memory/policies/s3-fifo.js'
import type { Fill } from '../../../src/tiers/tier.js'

const context = {
  namespace: 'test',
  serializer: v8Serializer,
  serializers: new Map([[v8Serializer.id, v8Serializer]]),
  events: new CacheEvents(),
  maxKeyBytes: 1024,
  maxValueBytes: 16 * 1024 * 1024,
  clock: systemClock,
}
const now = 1_700_000_000_000

function fill(key: string, value: unknown): Fill {
  const entry: Entry = {
    value,
    version: 1,
    createdAt: now,
    freshUntil: now + 60_000,
    staleUntil: now + 60_000,
    tags: [],
    tombstone: false,
  }
  return { key, entry, payload: v8Serializer.serialize(value), versioning: 'given', owned: true }
}

function tier(
  policy: MemoryPolicyName | EvictionPolicyFactory,
  maxEntries: number,
  maxBytes: number,
): MemoryTier {
  return memoryTier({ policy, maxEntries, maxBytes }).create(context) as MemoryTier
}

describe('memoryTier policy option', () => {
  it.each(['s3-fifo', 'clock', 'lru', 'lfu', 'w-tinylfu'] as const)(
    '%s: serves what it holds and keeps both bounds',
    (policy) => {
      const memory = tier(policy, 500, 60_000)
      for (let i = 0; i < 2000; i++) {
        memory.write([fill(`item:${i}`, { i })], now)
        expect(memory.size).toBeLessThanOrEqual(500)
        expect(memory.bytes).toBeLessThanOrEqual(60_000)
      }
      expect(memory.counters.evictions).toBeGreaterThan(0)
      memory.write([fill('fresh', { hello: 'world' })], now)
      expect(memory.readSync('fresh', now)?.value).toEqual({ hello: 'world' })
    },
  )

  it('accepts the exported factories too', () => {
    for (const factory of [lfuPolicy, wTinyLfuPolicy]) {
      const memory = tier(factory, 10, 100_000)
      memory.write([fill('a', 1)], now)
      expect(memory.readSync('a', now)?.value).toBe(1)
    }
  })

  it('names the valid policies when given an unknown one', () => {
    expect(() => memoryTier({ policy: 'fifo' as 'lru' })).toThrow(InvalidOptionError)
    expect(() => memoryTier({ policy: 'fifo' as 'lru' })).toThrow(
      /'s3-fifo', 'clock', 'lru', 'lfu', 'w-tinylfu'/,
    )
    expect(() => memoryTier({ policy: 'toString' as 'lru' })).toThrow(InvalidOptionError)
  })
})

describe('byte bound on 1,000,000 small entries', () => {
  const factories: Record<MemoryPolicyName, EvictionPolicyFactory> = {
    's3-fifo': s3FifoPolicy,
    clock: clockPolicy,
    lru: lruPolicy,
    lfu: lfuPolicy,
    'w-tinylfu': wTinyLfuPolicy,
  }

  it.each(Object.keys(factories) as MemoryPolicyName[])(
    '%s never accounts more than maxBytes, and fills it',
    (name) => {
      const maxBytes = 64 * 1024 * 1024
      const store = factories[name]<PolicyValue>({ maxEntries: 2_000_000, maxBytes, onEvict: () => {} })
      let largest = 0
      for (let i = 0; i < 1_000_000; i++) {
        const key = `product:${i}`
        // Sized as the memory tier sizes an entry: payload bytes + 2 bytes per key character + 200.
        store.set(key, { policySlot: 0 }, 12 + (i % 40) + key.length * 2 + 200)
        if (store.bytes > largest) largest = store.bytes
      }
      expect(largest).toBeLessThanOrEqual(maxBytes)
      // Full to within 5 % of the bound: the bound is what limits it, not an early give-up.
      expect(store.bytes).toBeGreaterThan(maxBytes * 0.95)
      expect(store.size).toBeLessThan(1_000_000)
    },
    120_000,
  )
})
