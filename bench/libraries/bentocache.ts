import { BentoCache, bentostore } from 'bentocache'
import { memoryDriver } from 'bentocache/drivers/memory'
import { redisDriver } from 'bentocache/drivers/redis'
import {
  installedVersion,
  LIMITS,
  type LibrarySubject,
  library,
  populate,
  redisHostPort,
  type SubjectFactory,
} from './common.js'

/**
 * bentocache as its multi-tier guide sets it up: `bentostore().useL1Layer(memoryDriver(...))
 * .useL2Layer(redisDriver({ connection }))`, read with `getOrSet({ key, factory })`.
 *
 * Choices:
 * - No `useBus()`: the guide says a single-instance application does not need it, and tiercache runs
 *   without one here too.
 * - `memoryDriver({ maxItems: 10_000, maxSize: '64mb' })` mirrors tiercache's memory tier limits. Its
 *   `serialize` option stays at the default (`true`: L1 values are stored as JSON and parsed on every
 *   read); the docs advise against turning it off when an L2 is used, since L1 and L2 would then return
 *   differently shaped values.
 * - `ttl: '1h'` for all layers (bentocache has one TTL per entry; it has no separate L1 cap). Grace,
 *   timeouts and the circuit breaker stay at their defaults (off).
 * - The Redis driver creates its own ioredis client from `{ host, port }`, as in the docs.
 */
export const bentocacheSubject: SubjectFactory = library(
  'bentocache',
  async ({ env, dataset, layout, scope }) => {
    const store = bentostore()
    if (layout === 'memory+redis') {
      store.useL1Layer(memoryDriver({ maxItems: LIMITS.memoryEntries, maxSize: '64mb' }))
    }
    store.useL2Layer(redisDriver({ connection: redisHostPort(env.redisUrl) }))
    const bento = new BentoCache({
      default: 'cache',
      prefix: `${scope}-bentocache`,
      ttl: LIMITS.entryTtlMs,
      stores: { cache: store },
    })
    const op = (key: string) => bento.getOrSet({ key, factory: () => dataset.load(key) })
    await populate(op, dataset.keys)
    const subject: LibrarySubject = {
      kind: 'peer',
      version: installedVersion('bentocache'),
      config:
        layout === 'memory+redis'
          ? "memoryDriver({ maxItems: 10000, maxSize: '64mb' }) + redisDriver (ioredis), no bus, ttl 1h, getOrSet({ key, factory })"
          : 'redisDriver (ioredis), ttl 1h, getOrSet({ key, factory })',
      op,
      async close() {
        await bento.disconnectAll()
      },
    }
    return subject
  },
)
