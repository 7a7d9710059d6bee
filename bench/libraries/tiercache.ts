import { createClient } from 'redis'
import {
  LIMITS,
  type LibrarySubject,
  library,
  populate,
  projectVersion,
  type SubjectFactory,
} from './common.js'

/**
 * tiercache as its README shows it: `createCache` over `memoryTier()` and `redisTier()`, defaults for
 * everything not listed (v8 serializer, values frozen in L1, single-flight loads).
 * The Redis tier gets a connected node-redis client with default options (a user's own client);
 * tiercache sends its commands without node-redis's per-command timeout and enforces its own.
 */
export const tiercacheSubject: SubjectFactory = library(
  'tiercache',
  async ({ env, dataset, layout, scope }) => {
    const { createCache, memoryTier, redisTier } = env.tiercache
    const client = createClient({ url: env.redisUrl })
    client.on('error', () => undefined)
    await client.connect()
    const tiers = [
      ...(layout === 'memory+redis'
        ? [memoryTier({ maxEntries: LIMITS.memoryEntries, ttl: LIMITS.memoryTtlMs })]
        : []),
      redisTier({ name: 'redis', client, ttl: LIMITS.entryTtlMs }),
    ]
    const cache = createCache({ namespace: `${scope}-tiercache`, tiers })
    // Memory tiers are used once the invalidation bus is up (a few ms after creation).
    await cache.ready()
    const op = (key: string) => cache.getOrLoad(key, () => dataset.load(key))
    await populate(op, dataset.keys)
    await cache.idle()
    const subject: LibrarySubject = {
      kind: 'tiercache',
      version: `${projectVersion()} (${env.tiercacheBuild})`,
      config:
        layout === 'memory+redis'
          ? `memoryTier({ maxEntries: ${LIMITS.memoryEntries}, ttl: 10m }) + redisTier({ ttl: 1h }), getOrLoad(key, loader)`
          : 'redisTier({ ttl: 1h }), getOrLoad(key, loader)',
      op,
      async close() {
        await cache.close()
        await client.close()
      },
    }
    return subject
  },
)
