/**
 * The libraries of the many-processes workload, each set up as its documentation shows for several
 * application processes sharing Redis: a memory tier per process, the shared Redis tier(s), and the
 * library's own way of telling other processes about a write.
 */
import KeyvRedis from '@keyv/redis'
import { BentoCache, bentostore } from 'bentocache'
import { memoryDriver } from 'bentocache/drivers/memory'
import { redisBusDriver, redisDriver } from 'bentocache/drivers/redis'
import { createCache as createCacheManager } from 'cache-manager'
import { CacheableMemory } from 'cacheable'
import { Redis } from 'ioredis'
import { Keyv } from 'keyv'
import { createNotificationPair, Loader, RedisCache } from 'layered-loader'
import { loadTiercache, workerBuild } from '../lib/tiercache-build.js'
import { LIMITS, redisHostPort } from '../libraries/common.js'

/** One process's handle on a library: read through it, write a new value, close it. */
export interface SharedCache {
  read(key: string, loader: () => unknown): Promise<unknown>
  write(key: string, value: unknown): Promise<void>
  close(): Promise<void>
}

export interface SharedCacheOptions {
  readonly hotUrl: string
  readonly warmUrl: string
  readonly scope: string
  readonly memoryEntries: number
  /** The loader, for libraries that bind it to the cache rather than to each call (layered-loader). */
  readonly load: (key: string) => unknown
}

/** Each row's configuration, in one line, for the report. */
export const CONFIGS: Readonly<Record<string, string>> = {
  tiercache:
    "memoryTier({ maxEntries: 10000, ttl: 10m }) + redisTier({ name: 'hot', ttl: 30s }) + redisTier({ name: 'warm', ttl: 1h }), default sync bus; getOrLoad, set",
  bentocache:
    'memoryDriver({ maxItems: 10000 }) + redisDriver + useBus(redisBusDriver), ttl 1h; getOrSet, set (one L2: the hot Redis)',
  'cache-manager':
    'stores: [Keyv(CacheableMemory({ lruSize: 10000, ttl: 10m })), Keyv(KeyvRedis)], ttl 1h; wrap, set. No bus: other processes keep their memory copy until its TTL',
  'layered-loader':
    'inMemoryCache { lru-map, maxItems 10000, ttl 10m } + RedisCache(ioredis, { json: true, ttl 1h }) + createNotificationPair; get, forceSetValue (one async cache: the hot Redis)',
}

export async function openSharedCache(library: string, options: SharedCacheOptions): Promise<SharedCache> {
  switch (library) {
    case 'tiercache':
      return openTiercache(options)
    case 'bentocache':
      return openBentocache(options)
    case 'cache-manager':
      return openCacheManager(options)
    case 'layered-loader':
      return openLayeredLoader(options)
    default:
      throw new Error(`unknown library ${library}`)
  }
}

async function openTiercache(options: SharedCacheOptions): Promise<SharedCache> {
  const { createCache, memoryTier, redisTier } = await loadTiercache(workerBuild())
  const cache = createCache({
    namespace: options.scope,
    tiers: [
      memoryTier({ maxEntries: options.memoryEntries, ttl: LIMITS.memoryTtlMs }),
      redisTier({ name: 'hot', url: options.hotUrl, ttl: '30s' }),
      redisTier({ name: 'warm', url: options.warmUrl, ttl: LIMITS.entryTtlMs }),
    ],
    ttl: LIMITS.entryTtlMs,
  })
  if (!(await cache.ready({ timeout: '10s' }))) throw new Error('tiercache did not become ready')
  return {
    read: (key, loader) => cache.getOrLoad(key, loader),
    write: (key, value) => cache.set(key, value),
    close: () => cache.close(),
  }
}

async function openBentocache(options: SharedCacheOptions): Promise<SharedCache> {
  const connection = redisHostPort(options.hotUrl)
  const bento = new BentoCache({
    default: 'cache',
    prefix: options.scope,
    ttl: LIMITS.entryTtlMs,
    stores: {
      cache: bentostore()
        .useL1Layer(memoryDriver({ maxItems: options.memoryEntries, maxSize: '2gb' }))
        .useL2Layer(redisDriver({ connection }))
        .useBus(redisBusDriver({ connection })),
    },
  })
  return {
    read: (key, loader) => bento.getOrSet({ key, factory: loader }),
    write: async (key, value) => {
      await bento.set({ key, value })
    },
    close: () => bento.disconnectAll(),
  }
}

async function openCacheManager(options: SharedCacheOptions): Promise<SharedCache> {
  const cache = createCacheManager({
    stores: [
      new Keyv({ store: new CacheableMemory({ lruSize: options.memoryEntries, ttl: LIMITS.memoryTtlMs }) }),
      new Keyv({ store: new KeyvRedis(options.hotUrl), namespace: options.scope }),
    ],
    ttl: LIMITS.entryTtlMs,
  })
  return {
    read: (key, loader) => cache.wrap(key, loader),
    write: async (key, value) => {
      await cache.set(key, value)
    },
    close: () => cache.disconnect().then(() => undefined),
  }
}

async function openLayeredLoader(options: SharedCacheOptions): Promise<SharedCache> {
  const connection = { ...redisHostPort(options.hotUrl), lazyConnect: true }
  const clients = [new Redis(connection), new Redis(connection), new Redis(connection)]
  for (const client of clients) client.on('error', () => undefined)
  await Promise.all(clients.map((client) => client.connect()))
  const [cacheClient, publisherRedis, consumerRedis] = clients as [Redis, Redis, Redis]
  // layered-loader is typed against the ioredis 5 it depends on; the client's API is the same.
  type LlRedis = ConstructorParameters<typeof RedisCache>[0]
  const { publisher, consumer } = createNotificationPair<unknown>({
    channel: `${options.scope}-notifications`,
    publisherRedis: publisherRedis as unknown as LlRedis,
    consumerRedis: consumerRedis as unknown as LlRedis,
  })
  const loader = new Loader<unknown>({
    inMemoryCache: { cacheType: 'lru-map', maxItems: options.memoryEntries, ttlInMsecs: LIMITS.memoryTtlMs },
    asyncCache: new RedisCache<unknown>(cacheClient as unknown as LlRedis, {
      json: true,
      ttlInMsecs: LIMITS.entryTtlMs,
      prefix: options.scope,
    }),
    notificationConsumer: consumer,
    notificationPublisher: publisher,
    dataSourceGetOneFn: async (key: string) => options.load(key),
  })
  await loader.init()
  return {
    read: (key) => loader.get(key),
    write: (key, value) => loader.forceSetValue(key, value),
    async close() {
      await loader.close().catch(() => undefined)
      for (const client of clients) client.disconnect()
    },
  }
}
