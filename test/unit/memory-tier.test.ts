import { describe, expect, test } from 'vitest'
import { createCache, memoryTier, ReadonlyValueError } from '../../src/index.js'
import { ManualClock } from '../support/manual-clock.js'

describe('value protection', () => {
  test("'freeze' (default): callers cannot corrupt the cached value", async () => {
    const cache = createCache({ namespace: 'p', tiers: [memoryTier()] })
    await cache.set('k', { list: [1, 2], map: new Map([['a', 1]]), when: new Date(0), set: new Set([1]) })
    const first = await cache.get<{ list: number[]; map: Map<string, number>; when: Date; set: Set<number> }>(
      'k',
    )
    expect(() => first?.list.push(3)).toThrow(TypeError)
    // Maps, Sets and Dates the cache holds refuse changes with a typed error of their own.
    expect(() => first?.map.set('b', 2)).toThrow(ReadonlyValueError)
    expect(() => first?.map.set('b', 2)).toThrow(expect.objectContaining({ code: 'ERR_READONLY_VALUE' }))
    expect(() => first?.when.setFullYear(2000)).toThrow(ReadonlyValueError)
    expect(() => first?.set.add(2)).toThrow(ReadonlyValueError)
    expect(first?.map).toBeInstanceOf(Map)
    expect(first?.when).toBeInstanceOf(Date)
    expect(await cache.get('k')).toEqual({
      list: [1, 2],
      map: new Map([['a', 1]]),
      when: new Date(0),
      set: new Set([1]),
    })
    await cache.close()
  })

  test("'freeze': the loader's own object is copied, not frozen under the caller; callers get the frozen copy", async () => {
    const cache = createCache({ namespace: 'p', tiers: [memoryTier()] })
    const mine = { count: 1 }
    const loaded = await cache.getOrLoad('k', () => mine)
    expect(loaded).toEqual({ count: 1 })
    expect(Object.isFrozen(loaded)).toBe(true)
    expect(Object.isFrozen(mine)).toBe(false)
    mine.count = 2
    expect(await cache.get('k')).toEqual({ count: 1 })
    await cache.close()
  })

  test("'freeze': values holding binary data are cloned on read, since typed arrays cannot be frozen", async () => {
    const cache = createCache({ namespace: 'p', tiers: [memoryTier()] })
    await cache.set('k', { data: Buffer.from('abc') })
    const first = await cache.get<{ data: Buffer }>('k')
    first?.data.write('zzz')
    const second = await cache.get<{ data: Buffer }>('k')
    expect(second?.data.toString()).toBe('abc')
    expect(Buffer.isBuffer(second?.data)).toBe(true)
    await cache.close()
  })

  test("'clone': every read is a private, mutable copy", async () => {
    const cache = createCache({ namespace: 'p', tiers: [memoryTier({ protection: 'clone' })] })
    await cache.set('k', { list: [1] })
    const first = await cache.get<{ list: number[] }>('k')
    first?.list.push(2)
    expect(await cache.get('k')).toEqual({ list: [1] })
    await cache.close()
  })

  test("'none': reads share the stored object (documented opt-out)", async () => {
    const cache = createCache({ namespace: 'p', tiers: [memoryTier({ protection: 'none' })] })
    await cache.set('k', { list: [1] })
    expect(await cache.get('k')).toBe(await cache.get('k'))
    await cache.close()
  })
})

describe('bounds and expiry', () => {
  test('holds at most maxEntries, evicting the least recently used', async () => {
    const cache = createCache({ namespace: 'b', tiers: [memoryTier({ maxEntries: 3, policy: 'lru' })] })
    for (const key of ['a', 'b', 'c']) await cache.set(key, key)
    await cache.get('a')
    await cache.set('d', 'd')
    expect(await cache.has('b')).toBe(false)
    expect(await cache.has('a')).toBe(true)
    expect(cache.stats().tiers[0]).toMatchObject({ entries: 3, evictions: 1 })
    await cache.close()
  })

  test('holds at most maxBytes', async () => {
    const cache = createCache({ namespace: 'b', tiers: [memoryTier({ maxBytes: 20_000 })] })
    for (let i = 0; i < 100; i++) await cache.set(`k${i}`, 'x'.repeat(1000))
    const stats = cache.stats().tiers[0]
    expect(stats?.bytes).toBeLessThanOrEqual(20_000)
    expect(stats?.entries).toBeLessThan(100)
    expect(stats?.evictions).toBeGreaterThan(0)
    await cache.close()
  })

  test('a copy lives no longer than the tier TTL, even when the entry lives longer', async () => {
    const clock = new ManualClock()
    const cache = createCache({ namespace: 'b', tiers: [memoryTier({ ttl: 30 })], ttl: '1h', clock })
    await cache.set('k', 1)
    clock.advance(29)
    expect(await cache.get('k')).toBe(1)
    clock.advance(1)
    expect(await cache.get('k')).toBeUndefined()
    await cache.close()
  })
})
