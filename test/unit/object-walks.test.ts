import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { estimateHeapBytes } from '../../src/tiers/memory/heap-size.js'
import { ObjectMemo } from '../../src/tiers/object-memo.js'
import { freezeOwned, ReadonlyMap } from '../../src/tiers/protect.js'
import { COMPRESSED } from '../../src/v8-layout.js'

/*
 * The walks a memory tier makes over each value it stores (freezing it, estimating its heap bytes)
 * remember the objects they met in an ObjectMemo, which switches from two short arrays to a Map after
 * 16 objects. These check both sides of that switch.
 */
const WORD = COMPRESSED ? 4 : 8

describe('ObjectMemo', () => {
  it('property: answers as a Map would, before and after it outgrows its short arrays', () => {
    const pool = Array.from({ length: 60 }, (_, i) => ({ i }))
    const step = fc.record({ index: fc.nat(pool.length - 1), add: fc.boolean() })
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
        const memo = new ObjectMemo<number>()
        const model = new Map<object, number>()
        steps.forEach(({ index, add }, n) => {
          const object = pool[index] as object
          if (add && !model.has(object)) {
            memo.add(object, n)
            model.set(object, n)
          }
          expect(memo.get(object)).toBe(model.get(object))
        })
        for (const object of pool) expect(memo.get(object)).toBe(model.get(object))
      }),
    )
  })
})

describe('walks over values holding many objects', () => {
  /** 40 objects, each held twice (by the list and by its neighbour), the last pointing back at the first. */
  interface Item {
    n: number
    next?: Item
    when?: Date
    index?: Map<string, number>
  }
  function manyShared(): { items: Item[] } {
    const items: Item[] = Array.from({ length: 40 }, (_, n) => ({ n }))
    items.forEach((item, n) => {
      item.next = items[(n + 1) % items.length]
    })
    ;(items[30] as Item).when = new Date(0)
    ;(items[35] as Item).index = new Map([['a', 1]])
    return { items }
  }

  it('freezes every object once, keeping shared references and cycles as they were', () => {
    const { value } = freezeOwned(manyShared())
    const { items } = value as { items: Item[] }
    expect(Object.isFrozen(value)).toBe(true)
    items.forEach((item, n) => {
      expect(Object.isFrozen(item)).toBe(true)
      expect(item.next).toBe(items[(n + 1) % items.length])
    })
    expect(items[35]?.index).toBeInstanceOf(ReadonlyMap)
    expect(() => items[35]?.index?.set('b', 2)).toThrow()
    expect(() => items[30]?.when?.setTime(1)).toThrow()
  })

  it('counts each object once however often it is held', () => {
    const once = estimateHeapBytes(Array.from({ length: 40 }, (_, n) => ({ n })))
    const objects = Array.from({ length: 40 }, (_, n) => ({ n }))
    // The same 40 objects held twice: only the array's 40 extra slots cost more.
    expect(estimateHeapBytes([...objects, ...objects])).toBe(once + 40 * WORD)
    // A cycle through more objects than the short arrays hold ends.
    expect(estimateHeapBytes(manyShared())).toBeGreaterThan(once)
  })
})
