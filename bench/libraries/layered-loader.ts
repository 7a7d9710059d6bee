import { Redis } from 'ioredis'
import { Loader, RedisCache } from 'layered-loader'
import type { Product } from '../lib/dataset.js'
import {
  installedVersion,
  LIMITS,
  type LibrarySubject,
  layoutParts,
  library,
  populate,
  redisHostPort,
  type SubjectFactory,
} from './common.js'

/**
 * layered-loader as its README's basic example sets it up: a `Loader` with an `inMemoryCache` config,
 * a `RedisCache` over an ioredis client as `asyncCache`, and the data source as `dataSourceGetOneFn`
 * (layered-loader binds the loading function to the Loader, not to each call), read with `get(key)`.
 *
 * Choices:
 * - `inMemoryCache: { cacheType: 'lru-map', maxItems: 10_000, ttlInMsecs: 10 min }` mirrors tiercache's
 *   memory tier (layered-loader returns the stored object itself, it does not copy or freeze).
 * - `RedisCache(..., { json: true, ttlInMsecs: 1 h })`: `json: true` is what the README uses for object
 *   values. No notification (invalidation) pair: single process, like the other libraries here.
 * - ioredis is the project's ioredis 6, created by the caller as in the README. layered-loader 14.2.2 is
 *   the last release that runs on Node 20 (14.5+ need Node 22).
 */
export const layeredLoaderSubject: SubjectFactory = library('layered-loader', async (context) => {
  const { env, dataset, layout, scope } = context
  const parts = layoutParts(layout)
  const maxItems = context.memoryEntries ?? LIMITS.memoryEntries
  const redis = new Redis({ ...redisHostPort(env.redisUrl), lazyConnect: true })
  redis.on('error', () => undefined)
  await redis.connect()
  const loader = new Loader<Product>({
    inMemoryCache: parts.memory ? { cacheType: 'lru-map', maxItems, ttlInMsecs: LIMITS.memoryTtlMs } : false,
    // One async cache only: a two-Redis layout runs as memory + one Redis.
    // RedisCache is typed against the ioredis 5 that layered-loader depends on; the client's API is the same.
    ...(parts.redisTiers > 0
      ? {
          asyncCache: new RedisCache<Product>(
            redis as unknown as ConstructorParameters<typeof RedisCache>[0],
            {
              json: true,
              ttlInMsecs: LIMITS.entryTtlMs,
              prefix: `${scope}-layered-loader`,
            },
          ),
        }
      : {}),
    dataSourceGetOneFn: async (key: string) => dataset.load(key),
  })
  const op = (key: string) => loader.get(key)
  if (context.populate) await populate(op, dataset.keys)
  const subject: LibrarySubject = {
    kind: 'peer',
    version: installedVersion('layered-loader'),
    config: [
      parts.memory ? `inMemoryCache { lru-map, maxItems ${maxItems}, ttl 10m }` : 'no in-memory cache',
      parts.redisTiers > 0
        ? `RedisCache(ioredis, { json: true, ttl 1h })${parts.redisTiers > 1 ? ' (one async cache only)' : ''}`
        : undefined,
      'get(key)',
    ]
      .filter(Boolean)
      .join(' + '),
    op,
    async close() {
      await loader.close().catch(() => undefined)
      redis.disconnect()
    },
  }
  return subject
})
