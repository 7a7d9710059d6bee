import KeyvRedis from '@keyv/redis'
import { createCache } from 'cache-manager'
import { CacheableMemory } from 'cacheable'
import { Keyv } from 'keyv'
import {
  installedVersion,
  LIMITS,
  type LibrarySubject,
  layoutParts,
  library,
  populate,
  type SubjectFactory,
} from './common.js'

/**
 * cache-manager 7 as its README sets up two layers: `createCache({ stores: [new Keyv({ store: new
 * CacheableMemory(...) }), new Keyv({ store: new KeyvRedis(url) })] })`, read with `wrap(key, fn)`.
 *
 * Choices:
 * - L1 is `CacheableMemory` (from `cacheable`, the in-memory store the README recommends for
 *   layered caching) with `lruSize: 10_000` and `ttl: '10m'`, mirroring tiercache's memory tier. Its
 *   `useClone` stays at the default (`true`: every read returns a copy), like tiercache's default of
 *   protecting cached values from callers.
 * - `ttl` 1 h for the cache; `nonBlocking`, `refreshThreshold` stay at their defaults (off).
 * - The Redis layer is `@keyv/redis` with its own node-redis client from the URL, under a Keyv
 *   namespace per workload.
 */
export const cacheManagerSubject: SubjectFactory = library('cache-manager', async (context) => {
  const { env, dataset, layout, scope } = context
  const parts = layoutParts(layout)
  const lruSize = context.memoryEntries ?? LIMITS.memoryEntries
  const redisStores = Array.from(
    { length: parts.redisTiers },
    (_, i) => new Keyv({ store: new KeyvRedis(env.redisUrl), namespace: `${scope}-cache-manager-${i}` }),
  )
  const stores = [
    ...(parts.memory ? [new Keyv({ store: new CacheableMemory({ lruSize, ttl: LIMITS.memoryTtlMs }) })] : []),
    ...redisStores,
  ]
  const cache = createCache({ stores, ttl: LIMITS.entryTtlMs })
  const op = (key: string) => cache.wrap(key, () => dataset.load(key))
  if (context.populate) await populate(op, dataset.keys)
  const subject: LibrarySubject = {
    kind: 'peer',
    version: `${installedVersion('cache-manager')} (keyv ${installedVersion('keyv')}, @keyv/redis ${installedVersion('@keyv/redis')})`,
    config: `stores: [${[
      ...(parts.memory ? [`Keyv(CacheableMemory({ lruSize: ${lruSize}, ttl: 10m }))`] : []),
      ...redisStores.map(() => 'Keyv(KeyvRedis)'),
    ].join(', ')}], ttl 1h, wrap(key, fn)`,
    op,
    async close() {
      await cache.disconnect()
    },
  }
  return subject
})
