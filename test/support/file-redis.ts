import { afterAll, afterEach, beforeAll } from 'vitest'
import { type CacheOptions, createCache, memoryTier, redisTier, type TierCache } from '../../src/index.js'
import { type RedisServer, startRedis } from './redis-server.js'

/** One redis-server for a test file, and the caches its tests make over it. */
export interface FileRedis {
  /** The file's server, started before its first test and emptied after each. */
  readonly server: RedisServer
  /**
   * A cache over a memory tier (1 min) and this server (tier "redis", 1 h), ready to use; closed after
   * the test. `options` are added to (or replace) those.
   */
  tiered(namespace: string, options?: Partial<CacheOptions>): Promise<TierCache>
  /** Closes `cache` after the test. */
  track(cache: TierCache): TierCache
}

/** Call at the top level of a test file: registers the hooks that start, empty and stop its server. */
export function fileRedis(): FileRedis {
  let server: RedisServer | undefined
  const caches: TierCache[] = []
  beforeAll(async () => {
    server = await startRedis()
  })
  afterEach(async () => {
    await Promise.all(caches.splice(0).map((cache) => cache.close()))
    await server?.command('FLUSHALL')
  })
  afterAll(async () => {
    await server?.stop()
  })
  const track = (cache: TierCache) => {
    caches.push(cache)
    return cache
  }
  return {
    get server() {
      if (server === undefined) throw new Error("the file's redis-server starts in beforeAll")
      return server
    },
    track,
    async tiered(namespace, options = {}) {
      const cache = track(
        createCache({
          namespace,
          tiers: [
            memoryTier({ ttl: '1m' }),
            redisTier({ name: 'redis', url: (server as RedisServer).url, ttl: '1h' }),
          ],
          ...options,
        }),
      )
      await cache.ready()
      return cache
    },
  }
}
