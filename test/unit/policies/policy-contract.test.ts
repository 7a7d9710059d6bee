import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { EvictionPolicyFactory, PolicyValue } from '../../../src/tiers/memory/eviction-policy.js'
import { clockPolicy } from '../../../src/tiers/memory/policies/clock.js'
import { FrequencySketch } from '../../../src/tiers/memory/policies/frequency-sketch.js'
import { lfuPolicy } from '../../../src/tiers/memory/policies/lfu.js'
import { lruPolicy } from '../../../src/tiers/memory/policies/lru.js'
import { s3FifoPolicy } from '../../../src/tiers/memory/policies/s3-fifo.js'
import { Segment } from '../../../src/tiers/memory/policies/segment.js'
import { createWTinyLfuPolicy, wTinyLfuPolicy } from '../../../src/tiers/memory/policies/w-tinylfu.js'

/** Every policy must honour the EvictionPolicy contract; the built-in LRU is checked alongside as the reference. */
const POLICIES: Record<string, EvictionPolicyFactory> = {
  lru: lruPolicy,
  clock: clockPolicy,
  's3-fifo': s3FifoPolicy,
  lfu: lfuPolicy,
  'w-tinylfu': wTinyLfuPolicy,
  'w-tinylfu (hill climbing)': createWTinyLfuPolicy({ adaptation: 'hill-climbing' }),
  'w-tinylfu (fixed 20 % window)': createWTinyLfuPolicy({ adaptation: 'none', windowShare: 0.2 }),
}

interface Box extends PolicyValue {
  readonly n: number
}

/** A value of its own per key, as the contract asks (the LRU files its slot in it). */
const box = (n: number): Box => ({ n, policySlot: 0 })

function make(factory: EvictionPolicyFactory, maxEntries: number, maxBytes = Number.MAX_SAFE_INTEGER) {
  const evicted: string[] = []
  const policy = factory<Box>({ maxEntries, maxBytes, onEvict: (key) => evicted.push(key) })
  return { policy, evicted }
}

describe.each(Object.entries(POLICIES))('%s policy', (_name, factory) => {
  it('returns what was set, and peek does the same', () => {
    const { policy } = make(factory, 10)
    policy.set('a', box(1), 5)
    expect(policy.get('a')).toMatchObject({ n: 1 })
    expect(policy.peek('a')).toMatchObject({ n: 1 })
    expect(policy.get('missing')).toBeUndefined()
    expect(policy.size).toBe(1)
    expect(policy.bytes).toBe(5)
  })

  it('replaces a value and its size', () => {
    const { policy } = make(factory, 10)
    policy.set('a', box(1), 5)
    policy.set('a', box(2), 7)
    expect(policy.get('a')).toMatchObject({ n: 2 })
    expect(policy.size).toBe(1)
    expect(policy.bytes).toBe(7)
  })

  it('never holds more than maxEntries, and reports each eviction once', () => {
    const { policy, evicted } = make(factory, 50)
    for (let i = 0; i < 500; i++) {
      policy.set(`k${i}`, box(i), 1)
      expect(policy.size).toBeLessThanOrEqual(50)
    }
    expect(policy.size).toBe(50)
    expect(evicted).toHaveLength(450)
    expect(new Set(evicted).size).toBe(450)
    for (const key of evicted) expect(policy.peek(key)).toBeUndefined()
  })

  it('never holds more than maxBytes', () => {
    const { policy, evicted } = make(factory, 1000, 1000)
    for (let i = 0; i < 500; i++) {
      policy.set(`k${i}`, box(i), 10 + (i % 7) * 13)
      expect(policy.bytes).toBeLessThanOrEqual(1000)
    }
    expect(evicted.length).toBeGreaterThan(0)
    expect(policy.bytes).toBeGreaterThan(500)
  })

  it('refuses an entry larger than the whole byte budget and drops its older value', () => {
    const { policy, evicted } = make(factory, 10, 100)
    policy.set('small', box(1), 10)
    policy.set('big', box(2), 50)
    policy.set('big', box(3), 101)
    expect(policy.peek('big')).toBeUndefined()
    expect(policy.peek('small')).toMatchObject({ n: 1 })
    expect(policy.bytes).toBe(10)
    expect(evicted).toEqual([])
  })

  it('deletes without reporting an eviction, and clear empties it', () => {
    const { policy, evicted } = make(factory, 10)
    policy.set('a', box(1), 3)
    policy.set('b', box(2), 4)
    expect(policy.delete('a')).toBe(true)
    expect(policy.delete('a')).toBe(false)
    expect(policy.peek('a')).toBeUndefined()
    expect(policy.bytes).toBe(4)
    policy.clear()
    expect(policy.size).toBe(0)
    expect(policy.bytes).toBe(0)
    expect(policy.get('b')).toBeUndefined()
    expect(evicted).toEqual([])
  })

  it('keeps both bounds, and its own accounting, under random operation sequences', () => {
    const operation = fc.oneof(
      fc.record({ op: fc.constant('set' as const), key: fc.nat(40), size: fc.integer({ min: 1, max: 120 }) }),
      fc.record({ op: fc.constant('get' as const), key: fc.nat(40) }),
      fc.record({ op: fc.constant('delete' as const), key: fc.nat(40) }),
    )
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 600 }),
        fc.array(operation),
        (maxEntries, maxBytes, ops) => {
          const { policy } = make(factory, maxEntries, maxBytes)
          const model = new Map<string, { value: Box; size: number }>()
          for (const step of ops) {
            const key = `k${step.key}`
            if (step.op === 'set') {
              const value = box(step.key)
              policy.set(key, value, step.size)
              model.set(key, { value, size: step.size })
            } else if (step.op === 'delete') {
              policy.delete(key)
              model.delete(key)
            } else {
              policy.get(key)
            }
            expect(policy.size).toBeLessThanOrEqual(maxEntries)
            expect(policy.bytes).toBeLessThanOrEqual(maxBytes)
            // Whatever it still holds is the last value set for that key, and bytes add up.
            let bytes = 0
            let size = 0
            for (const [modelKey, stored] of model) {
              const held = policy.peek(modelKey)
              if (held === undefined) continue
              expect(held).toBe(stored.value)
              bytes += stored.size
              size++
            }
            expect(policy.size).toBe(size)
            expect(policy.bytes).toBe(bytes)
          }
        },
      ),
      { numRuns: 200 },
    )
  })

  it('returns a value read right after it was set, while nothing had to be evicted', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(30), fc.nat(50)), { maxLength: 200 }), (writes) => {
        const { policy, evicted } = make(factory, 1000, 1_000_000)
        for (const [key, size] of writes) {
          const value = box(key)
          policy.set(`k${key}`, value, size)
          if (evicted.length === 0) expect(policy.get(`k${key}`)).toBe(value)
        }
        expect(evicted).toEqual([])
      }),
      { numRuns: 100 },
    )
  })

  // Counts steps rather than timing them: a timer on a shared machine measures the machine. The wall
  // clock comparison of a small and a large cache is in `npm run measure:ops`. LRU, CLOCK and S3-FIFO
  // keep their lists in typed arrays, whose steps this cannot see: a hit is a Map lookup and at most six
  // link writes (CLOCK and S3-FIFO: one byte), an eviction at most eight moves (clock.test.ts) or 64
  // (s3-fifo.test.ts).
  it.skipIf(_name === 'lru' || _name === 'clock' || _name === 's3-fifo')(
    'takes as many steps per operation in a cache of 100,000 entries as in one of 1,000 (O(1))',
    () => {
      const stepsPerOperation = (capacity: number) => {
        const { policy } = make(factory, capacity)
        for (let i = 0; i < capacity; i++) policy.set(`warm${i}`, box(i), 1)
        const operations = 50_000
        const steps = countSteps(() => {
          for (let i = 0; i < operations; i++) {
            // Every fifth read is of a hot key (a hit); the rest are of keys read once (misses). The same
            // workload at both sizes, so only the size differs.
            const key = i % 5 === 0 ? `warm${i % 100}` : `once${i}`
            if (policy.get(key) === undefined) policy.set(key, box(i), 1)
          }
        })
        return steps / operations
      }
      const small = stepsPerOperation(1000)
      const large = stepsPerOperation(100_000)
      expect(small).toBeGreaterThan(1)
      // Work that grew with the size would take ~100 times the steps here.
      expect(large).toBeLessThan(small * 1.5)
    },
    60_000,
  )
})

/**
 * Runs `work` and returns how many steps the policies took meanwhile: every list operation of a
 * {@link Segment} (all of the hand-written policies keep their entries, buckets and queues in
 * segments, and walk them only through these), every sketch estimate and increment, and one step
 * per table word when the sketch halves its counters.
 */
function countSteps(work: () => void): number {
  let steps = 0
  const restore: Array<() => void> = []
  const count = (prototype: object, name: string, cost: (self: object) => number = () => 1) => {
    const original = Object.getOwnPropertyDescriptor(prototype, name)
    if (original === undefined) throw new Error(`no ${name} to count`)
    const patched: PropertyDescriptor = { ...original }
    if (original.get !== undefined) {
      const get = original.get
      patched.get = function (this: object) {
        steps += cost(this)
        return get.call(this)
      }
    } else {
      const method = original.value as (...args: unknown[]) => unknown
      patched.value = function (this: object, ...args: unknown[]) {
        steps += cost(this)
        return method.apply(this, args)
      }
    }
    Object.defineProperty(prototype, name, patched)
    restore.push(() => Object.defineProperty(prototype, name, original))
  }
  for (const name of ['head', 'after', 'append', 'remove', 'moveToTail', 'resize'])
    count(Segment.prototype, name)
  count(FrequencySketch.prototype, 'frequency')
  count(FrequencySketch.prototype, 'increment')
  // Private, but it is the one loop over the whole table: count it by the words it touches.
  count(
    FrequencySketch.prototype,
    'halve',
    (sketch) => (sketch as unknown as { table: Uint32Array }).table.length,
  )
  try {
    work()
  } finally {
    for (const undo of restore) undo()
  }
  return steps
}
