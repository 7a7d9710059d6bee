import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { BoundedMap } from '../../src/bounded-map.js'

describe('BoundedMap', () => {
  test('holds at most maxSize entries, forgetting the least recently set first', () => {
    const evicted: [number, string][] = []
    const map = new BoundedMap<string, number>(3, (value, key) => evicted.push([value, key]))
    for (const [i, key] of ['a', 'b', 'c', 'd', 'e'].entries()) map.set(key, i)
    expect(map.size).toBe(3)
    expect([...map.values()]).toEqual([2, 3, 4])
    expect(map.get('a')).toBeUndefined()
    expect(map.get('b')).toBeUndefined()
    expect(evicted).toEqual([
      [0, 'a'],
      [1, 'b'],
    ])
  })

  test('a get makes the entry the most recently used one', () => {
    const map = new BoundedMap<string, number>(3)
    map.set('a', 1)
    map.set('b', 2)
    map.set('c', 3)
    expect(map.get('a')).toBe(1)
    map.set('d', 4)
    expect(map.get('b')).toBeUndefined()
    expect([...map.values()]).toEqual([3, 1, 4])
  })

  test('setting a held key replaces its value, uses it and evicts nothing', () => {
    const evicted: string[] = []
    const map = new BoundedMap<string, number>(2, (_value, key) => evicted.push(key))
    map.set('a', 1)
    map.set('b', 2)
    map.set('a', 10)
    expect(map.size).toBe(2)
    map.set('c', 3)
    expect(evicted).toEqual(['b'])
    expect(map.get('a')).toBe(10)
  })

  test('delete and clear remove entries without calling onEvict', () => {
    const evicted: string[] = []
    const map = new BoundedMap<string, number>(2, (_value, key) => evicted.push(key))
    map.set('a', 1)
    map.set('b', 2)
    expect(map.delete('a')).toBe(true)
    expect(map.delete('a')).toBe(false)
    map.set('c', 3)
    expect(map.size).toBe(2)
    map.clear()
    expect(map.size).toBe(0)
    expect([...map.values()]).toEqual([])
    map.set('d', 4)
    expect([...map.values()]).toEqual([4])
    expect(evicted).toEqual([])
  })

  test('a bound of one keeps the newest entry', () => {
    const map = new BoundedMap<string, number>(1)
    map.set('a', 1)
    map.set('b', 2)
    expect(map.get('a')).toBeUndefined()
    expect(map.get('b')).toBe(2)
  })

  test.each([0, -1, 1.5, Number.NaN])('refuses maxSize %s', (maxSize) => {
    expect(() => new BoundedMap(maxSize)).toThrow(RangeError)
  })

  test('behaves like a Map with least-recently-used eviction for any sequence of operations', () => {
    const operation = fc.oneof(
      fc.record({
        op: fc.constant('set' as const),
        key: fc.integer({ min: 0, max: 9 }),
        value: fc.integer(),
      }),
      fc.record({ op: fc.constant('get' as const), key: fc.integer({ min: 0, max: 9 }) }),
      fc.record({ op: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 9 }) }),
    )
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(operation, { maxLength: 60 }),
        (max, operations) => {
          const map = new BoundedMap<number, number>(max)
          // The model: a Map whose insertion order is the order of use, oldest first.
          const model = new Map<number, number>()
          for (const step of operations) {
            if (step.op === 'set') {
              model.delete(step.key)
              model.set(step.key, step.value)
              if (model.size > max) model.delete(model.keys().next().value as number)
              map.set(step.key, step.value)
            } else if (step.op === 'get') {
              const value = model.get(step.key)
              if (value !== undefined) {
                model.delete(step.key)
                model.set(step.key, value)
              }
              expect(map.get(step.key)).toBe(value)
            } else {
              expect(map.delete(step.key)).toBe(model.delete(step.key))
            }
            expect(map.size).toBe(model.size)
            expect([...map.values()]).toEqual([...model.values()])
          }
        },
      ),
    )
  })
})
