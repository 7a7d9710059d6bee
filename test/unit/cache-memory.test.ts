import { describe, expect, test } from 'vitest'
import { CacheClosedError, createCache, LoaderError, memoryTier, type TierCache } from '../../src/index.js'
import { ManualClock } from '../support/manual-clock.js'
import { loadsFinished } from '../support/wait.js'

function deferred<T>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

describe('getOrLoad', () => {
  test('single-flight: 1,000 concurrent callers of one key share one loader call', async () => {
    const cache = createCache({ namespace: 'sf', tiers: [memoryTier()] })
    let calls = 0
    const gate = deferred<void>()
    const loader = async () => {
      calls++
      await gate.promise
      return { id: 1 }
    }
    const all = Promise.all(Array.from({ length: 1000 }, () => cache.getOrLoad('product:1', loader)))
    gate.resolve()
    const values = await all
    expect(calls).toBe(1)
    expect(new Set(values.map((v) => JSON.stringify(v)))).toEqual(new Set(['{"id":1}']))
    expect(cache.stats()).toMatchObject({ loads: 1, singleFlightJoins: 999 })
    await cache.close()
  })

  test('null is cached for negativeTtl; undefined is not cached at all', async () => {
    const clock = new ManualClock()
    const cache = createCache({ namespace: 'neg', tiers: [memoryTier()], ttl: '1h', negativeTtl: 40, clock })
    let calls = 0
    const missing = () => {
      calls++
      return null
    }
    expect(await cache.getOrLoad('gone', missing)).toBeNull()
    expect(await cache.getOrLoad('gone', missing)).toBeNull()
    expect(calls).toBe(1)
    await loadsFinished(cache)
    clock.advance(39)
    expect(await cache.getOrLoad('gone', missing)).toBeNull()
    expect(calls).toBe(1)
    clock.advance(1)
    expect(await cache.getOrLoad('gone', missing)).toBeNull()
    expect(calls).toBe(2)

    let undefinedCalls = 0
    const nothing = () => {
      undefinedCalls++
      return undefined
    }
    await cache.getOrLoad('nothing', nothing)
    await cache.getOrLoad('nothing', nothing)
    expect(undefinedCalls).toBe(2)
    expect(await cache.has('nothing')).toBe(false)
    await cache.close()
  })

  test('a failing loader rejects every waiting caller with LoaderError carrying the cause; nothing is cached', async () => {
    const cache = createCache({ namespace: 'err', tiers: [memoryTier()] })
    const cause = new Error('database down')
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () =>
        cache.getOrLoad('k', async () => {
          throw cause
        }),
      ),
    )
    for (const result of results) {
      expect(result.status).toBe('rejected')
      const error = (result as PromiseRejectedResult).reason
      expect(error).toBeInstanceOf(LoaderError)
      expect(error).toMatchObject({ code: 'ERR_LOADER_FAILED', cause, key: 'k' })
    }
    expect(await cache.getOrLoad('k', () => 'recovered')).toBe('recovered')
    expect(cache.stats()).toMatchObject({ loads: 2, loadErrors: 1 })
    await cache.close()
  })

  test('a delete that overtakes a slow load keeps the loaded value out of the cache', async () => {
    const cache = createCache({ namespace: 'race', tiers: [memoryTier()] })
    const gate = deferred<void>()
    const load = cache.getOrLoad('k', async () => {
      await gate.promise
      return 'old'
    })
    await cache.delete('k')
    gate.resolve()
    expect(await load).toBe('old')
    expect(await cache.has('k')).toBe(false)
    await cache.close()
  })

  test.each([
    ['set', (cache: TierCache) => cache.set('k', 'set value')],
    ['delete', (cache: TierCache) => cache.delete('k')],
    ['invalidateTags', (cache: TierCache) => cache.invalidateTags(['group'])],
    ['clear', (cache: TierCache) => cache.clear()],
  ])('a caller arriving after %s does not join a load that began before it', async (_, invalidate) => {
    const cache = createCache({ namespace: 'join', tiers: [memoryTier()] })
    const gate = deferred<void>()
    const before = cache.getOrLoad(
      'k',
      async () => {
        await gate.promise
        return 'old'
      },
      { tags: ['group'] },
    )
    await invalidate(cache)
    const after = cache.getOrLoad('k', () => 'new', { tags: ['group'] })
    gate.resolve()
    expect(await before).toBe('old') // it asked first: the value it waited for
    expect(await after).not.toBe('old')
    expect(await cache.getOrLoad('k', () => 'later')).not.toBe('old')
    await cache.close()
  })

  test('a caller arriving right after an invalidation does not join a load that has just resolved', async () => {
    const cache = createCache({ namespace: 'join2', tiers: [memoryTier()] })
    expect(await cache.getOrLoad('t', () => 'tagged', { tags: ['group'] })).toBe('tagged')
    await cache.invalidateTags(['group'])
    expect(await cache.getOrLoad('t', () => 'reloaded')).toBe('reloaded')
    await cache.close()
  })

  test('per-call TTL overrides the default, and jitter only ever shortens it', async () => {
    const clock = new ManualClock()
    const cache = createCache({ namespace: 'ttl', tiers: [memoryTier()], ttl: '1h', jitter: 0.5, clock })
    await cache.getOrLoad('short', () => 1, { ttl: 30 })
    expect(await cache.get('short')).toBe(1)
    clock.advance(30)
    expect(await cache.get('short')).toBeUndefined()
    await cache.close()
  })

  test('close() aborts running loaders through their signal and rejects later calls', async () => {
    const cache = createCache({ namespace: 'close', tiers: [memoryTier()] })
    const aborted = deferred<unknown>()
    const started = deferred<void>()
    const load = cache.getOrLoad('k', ({ signal }) => {
      signal.addEventListener('abort', () => aborted.resolve(signal.reason))
      started.resolve()
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
    })
    await started.promise
    await cache.close()
    expect(await aborted.promise).toBeInstanceOf(CacheClosedError)
    // The caller is told why it was left: the cache closed (not that its loader failed).
    await expect(load).rejects.toBeInstanceOf(CacheClosedError)
    await expect(cache.get('k')).rejects.toBeInstanceOf(CacheClosedError)
  })

  test('a load that has not reached its loader when the cache closes never calls it', async () => {
    const cache = createCache({ namespace: 'close', tiers: [memoryTier()] })
    let calls = 0
    const load = cache.getOrLoad('k', () => {
      calls++
      return 1
    })
    await cache.close()
    await expect(load).rejects.toBeInstanceOf(CacheClosedError)
    expect(calls).toBe(0)
  })
})

describe('getMany', () => {
  test('calls the batch loader once with exactly the missing keys, in order, and caches them', async () => {
    const cache = createCache({ namespace: 'many', tiers: [memoryTier()] })
    await cache.set('b', 'cached-b')
    const calls: string[][] = []
    const values = await cache.getMany(['a', 'b', 'c', 'a'], (keys) => {
      calls.push(keys)
      return new Map(keys.map((key) => [key, `loaded-${key}`]))
    })
    expect(values).toEqual(['loaded-a', 'cached-b', 'loaded-c', 'loaded-a'])
    expect(calls).toEqual([['a', 'c']])
    expect(await cache.getMany(['a', 'c'])).toEqual(['loaded-a', 'loaded-c'])
    await cache.close()
  })

  test('keys already being loaded by getOrLoad are awaited, not loaded twice', async () => {
    const cache = createCache({ namespace: 'many', tiers: [memoryTier()] })
    const gate = deferred<void>()
    const single = cache.getOrLoad('a', async () => {
      await gate.promise
      return 'from-single'
    })
    const batchKeys: string[][] = []
    const many = cache.getMany(['a', 'b'], (keys) => {
      batchKeys.push(keys)
      return keys.map((key) => `from-batch-${key}`)
    })
    gate.resolve()
    expect(await many).toEqual(['from-single', 'from-batch-b'])
    expect(await single).toBe('from-single')
    expect(batchKeys).toEqual([['b']])
    await cache.close()
  })
})
