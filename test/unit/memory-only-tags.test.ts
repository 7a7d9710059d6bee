import { expect, test } from 'vitest'
import type { Entry } from '../../src/entry.js'
import { createCache, memoryTier } from '../../src/index.js'
import { TagVersions } from '../../src/sync/tag-versions.js'

test('a memory-only cache serves tagged entries from memory until their tag is invalidated', async () => {
  const cache = createCache({ namespace: 'tags', tiers: [memoryTier()] })
  let loads = 0
  const load = async () => {
    loads++
    return { id: 1 }
  }
  try {
    await cache.getOrLoad('product:1', load, { tags: ['category:3'] })
    expect(await cache.getOrLoad('product:1', load, { tags: ['category:3'] })).toEqual({ id: 1 })
    expect(await cache.get('product:1')).toEqual({ id: 1 })
    expect(loads).toBe(1)
    await cache.invalidateTags(['category:3'])
    expect(await cache.get('product:1')).toBeUndefined()
    await cache.getOrLoad('product:1', load, { tags: ['category:3'] })
    expect(loads).toBe(2)
  } finally {
    await cache.close()
  }
})

test('without a coordinator, a tag version the bounded map drops still invalidates what it did', () => {
  const tags = new TagVersions(undefined, { maxTags: 2 })
  const entry = (version: number, tag: string): Entry => ({
    value: 1,
    version,
    createdAt: 0,
    freshUntil: Number.POSITIVE_INFINITY,
    staleUntil: Number.POSITIVE_INFINITY,
    tags: [tag],
    tombstone: false,
  })
  expect(tags.validSync(entry(1, 'a'))).toBe(true) // never invalidated
  tags.invalidated('a', 5)
  expect(tags.validSync(entry(4, 'a'))).toBe(false)
  tags.invalidated('b', 6)
  tags.invalidated('c', 7) // 'a' leaves the map
  expect(tags.validSync(entry(4, 'a'))).toBe(false) // still older than a's invalidation
  expect(tags.validSync(entry(8, 'a'))).toBe(true)
  tags.reset()
  expect(tags.validSync(entry(6, 'c'))).toBe(false)
})
