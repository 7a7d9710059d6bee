import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import type { ValueProtection } from '../../src/entries/types.js'
import { createCache, memoryTier, type TierCache } from '../../src/index.js'
import { ManualClock } from '../support/manual-clock.js'

/*
 * Values served from memory are shared by every caller, so each read path must hand out the memory
 * tier's protected value (frozen, or a copy per caller), never an object another caller also holds
 * mutably — including the loader's own object, and whichever path the value took: a load joined by
 * other callers, getMany, a stale value, a refresh ahead, a warm-up; with tags or without.
 */

type Product = { list: number[]; nested: { n: number }; bin?: Buffer }

function product(binary: boolean): Product {
  return { list: [1, 2], nested: { n: 1 }, ...(binary ? { bin: Buffer.from([1, 2]) } : {}) }
}

/** Tries every mutation a careless caller might make; frozen parts refuse them (strict mode throws). */
function mutate(value: unknown): void {
  const record = value as Product
  const attempts = [
    () => record.list.push(9),
    () => {
      record.nested.n = 9
    },
    () => {
      if (record.bin) record.bin[0] = 9
    },
    () => {
      ;(record as { extra?: number }).extra = 1
    },
  ]
  for (const attempt of attempts) {
    try {
      attempt()
    } catch {
      // refused: the value is frozen
    }
  }
}

type Path = 'get' | 'getOrLoad' | 'getMany' | 'stale' | 'refreshAhead' | 'warm'

/** Reads `key` by `path` so that at least two callers receive the value; returns what each got. */
async function readTwice(
  cache: TierCache,
  clock: ManualClock,
  path: Path,
  key: string,
  binary: boolean,
  tags: readonly string[] | undefined,
) {
  // A background load waits for this gate, so callers arriving meanwhile share it (or get the stale value).
  let release = () => {}
  const gate = new Promise<void>((resolve) => {
    release = resolve
  })
  try {
    return await readBothWays(cache, clock, path, key, binary, tags, gate)
  } finally {
    release()
  }
}

async function readBothWays(
  cache: TierCache,
  clock: ManualClock,
  path: Path,
  key: string,
  binary: boolean,
  tags: readonly string[] | undefined,
  gate: Promise<void>,
) {
  const options = tags ? { tags } : undefined
  const loader = () => product(binary)
  const slow = () => gate.then(() => product(binary))
  switch (path) {
    case 'get':
      await cache.set(key, product(binary), options)
      return [await cache.get(key), await cache.get(key)]
    case 'getOrLoad':
      return Promise.all([cache.getOrLoad(key, loader, options), cache.getOrLoad(key, loader, options)])
    case 'getMany': {
      const [many, one] = await Promise.all([
        cache.getMany([key], (keys) => keys.map(() => product(binary)), options),
        cache.getOrLoad(key, loader, options),
      ])
      return [many[0], one]
    }
    case 'stale': {
      await cache.set(key, product(binary), { ttl: 1, grace: '1h', ...(tags ? { tags } : {}) })
      clock.advance(1) // the entry goes stale
      const staleOptions = { ...options, staleWhileRevalidate: true }
      return Promise.all([cache.getOrLoad(key, slow, staleOptions), cache.getOrLoad(key, slow, staleOptions)])
    }
    case 'refreshAhead': {
      await cache.set(key, product(binary), { ttl: '1h', ...(tags ? { tags } : {}) })
      const ahead = { ...options, refreshAhead: 0.999_999 }
      clock.advance(10) // past the first millionth of the fresh period: due for a refresh
      const first = await cache.getOrLoad(key, slow, ahead)
      // Joins the refresh under way when its hit cannot be trusted alone (tags), else a memory hit.
      const second = await cache.getOrLoad(key, slow, { ...ahead, refreshAhead: 0 })
      return [first, second]
    }
    case 'warm': {
      await cache.warm([key], (keys) => keys.map(() => product(binary)), options ?? {})
      return Promise.all([cache.getOrLoad(key, loader, options), cache.getOrLoad(key, loader, options)])
    }
  }
}

describe('every read path serves protected values', () => {
  test('property: mutating what one caller got never changes what another caller gets', async () => {
    let run = 0
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<ValueProtection>('freeze', 'clone'),
        fc.constantFrom<Path>('get', 'getOrLoad', 'getMany', 'stale', 'refreshAhead', 'warm'),
        fc.boolean(),
        fc.option(fc.constant(['t']), { nil: undefined }),
        async (protection, path, binary, tags) => {
          const clock = new ManualClock()
          const cache = createCache({ namespace: `vp${run++}`, tiers: [memoryTier({ protection })], clock })
          try {
            const [first, second] = (await readTwice(cache, clock, path, 'k', binary, tags)) as unknown[]
            // A tagged get in a memory-only cache cannot check its tags without a load: a miss.
            if (path === 'get' && tags) return
            expect(first).toEqual(product(binary))
            mutate(first)
            expect(second).toEqual(product(binary))
            mutate(second)
            expect(await cache.getOrLoad('k', () => product(binary), tags ? { tags } : undefined)).toEqual(
              product(binary),
            )
          } finally {
            await cache.close()
          }
        },
      ),
      { numRuns: 80 },
    )
  }, 60_000)

  test('a tagged getOrLoad does not hand out the loader object to a caller joining its load', async () => {
    const cache = createCache({ namespace: 'tagged', tiers: [memoryTier()] })
    const mine = { n: 1 }
    const [a, b] = await Promise.all([
      cache.getOrLoad('k', () => mine, { tags: ['x'] }),
      cache.getOrLoad('k', () => ({ n: 2 }), { tags: ['x'] }),
    ])
    expect(a).not.toBe(mine)
    expect(b).not.toBe(mine)
    expect(Object.isFrozen(a)).toBe(true)
    expect(Object.isFrozen(b)).toBe(true)
    await cache.close()
  })
})
