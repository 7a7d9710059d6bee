import { createClient } from 'redis'
import type { TierCache } from '../../src/index.js'
import {
  LIMITS,
  type LibrarySubject,
  layoutParts,
  library,
  populate,
  projectVersion,
  type SubjectFactory,
} from './common.js'

/**
 * tiercache as its README shows it: `createCache` over `memoryTier()` and `redisTier()`, defaults for
 * everything not listed (v8 serializer, values frozen in L1, single-flight loads, leases, the bus).
 * Each Redis tier gets a connected node-redis client with default options (a user's own client);
 * tiercache sends its commands without node-redis's per-command timeout and enforces its own. With two
 * Redis tiers (`memory+hot+warm`) both live on the bench's one server under different prefixes, the hot
 * one with a short TTL so that it holds fewer keys than the warm one.
 */
export const tiercacheSubject: SubjectFactory = library('tiercache', async (context) => {
  const { env, dataset, layout, scope } = context
  const { createCache, memoryTier, redisTier } = env.tiercache
  const parts = layoutParts(layout)
  const clients = await Promise.all(
    Array.from({ length: parts.redisTiers }, async () => {
      const client = createClient({ url: env.redisUrl })
      client.on('error', () => undefined)
      await client.connect()
      return client
    }),
  )
  const memoryEntries = context.memoryEntries ?? LIMITS.memoryEntries
  const tiers = [
    ...(parts.memory
      ? [memoryTier({ maxEntries: memoryEntries, maxBytes: '2gb', ttl: LIMITS.memoryTtlMs })]
      : []),
    ...(parts.redisTiers === 1
      ? [redisTier({ name: 'redis', client: clients[0], ttl: LIMITS.entryTtlMs })]
      : []),
    ...(parts.redisTiers === 2
      ? [
          redisTier({ name: 'hot', client: clients[0], ttl: '30s' }),
          redisTier({ name: 'warm', client: clients[1], ttl: LIMITS.entryTtlMs }),
        ]
      : []),
  ]
  const cache: TierCache = createCache({ namespace: `${scope}-tiercache`, tiers, ttl: LIMITS.entryTtlMs })
  // Memory tiers are used once the invalidation bus is up (a few ms after creation).
  await cache.ready()
  const op = (key: string) => cache.getOrLoad(key, () => dataset.load(key))
  if (context.populate) await populate(op, dataset.keys)
  await cache.idle()
  let marked = cache.stats()
  const subject: LibrarySubject = {
    kind: 'tiercache',
    version: `${projectVersion()} (${env.tiercacheBuild})`,
    config: describe(layout, memoryEntries),
    op,
    mark() {
      marked = cache.stats()
    },
    details() {
      const now = cache.stats()
      return now.tiers
        .map((tier, i) => {
          const before = marked.tiers[i]
          const hits = tier.hits - (before?.hits ?? 0)
          const reads = hits + tier.misses - (before?.misses ?? 0)
          return `${tier.name} ${reads === 0 ? '–' : `${((100 * hits) / reads).toFixed(1)} %`}`
        })
        .join(', ')
    },
    async close() {
      await cache.close()
      await Promise.all(clients.map((client) => client.close()))
    },
  }
  return subject
})

function describe(layout: Parameters<typeof layoutParts>[0], memoryEntries: number): string {
  const memory = `memoryTier({ maxEntries: ${memoryEntries}, ttl: 10m })`
  switch (layout) {
    case 'memory':
      return `${memory}, getOrLoad(key, loader)`
    case 'redis':
      return 'redisTier({ ttl: 1h }), getOrLoad(key, loader)'
    case 'memory+redis':
      return `${memory} + redisTier({ ttl: 1h }), getOrLoad(key, loader)`
    case 'memory+hot+warm':
      return `${memory} + redisTier({ name: 'hot', ttl: 30s }) + redisTier({ name: 'warm', ttl: 1h }), getOrLoad(key, loader)`
  }
}
