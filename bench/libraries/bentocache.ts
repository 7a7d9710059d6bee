import { BentoCache, bentostore } from 'bentocache'
import { memoryDriver } from 'bentocache/drivers/memory'
import { redisDriver } from 'bentocache/drivers/redis'
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
export const bentocacheSubject: SubjectFactory = library('bentocache', async (context) => {
  const { env, dataset, layout, scope } = context
  const parts = layoutParts(layout)
  const maxItems = context.memoryEntries ?? LIMITS.memoryEntries
  const store = bentostore()
  if (parts.memory) store.useL1Layer(memoryDriver({ maxItems, maxSize: '2gb' }))
  // bentocache has one L2 layer: a two-Redis layout runs as memory + one Redis.
  if (parts.redisTiers > 0) store.useL2Layer(redisDriver({ connection: redisHostPort(env.redisUrl) }))
  const bento = new BentoCache({
    default: 'cache',
    prefix: `${scope}-bentocache`,
    ttl: LIMITS.entryTtlMs,
    stores: { cache: store },
  })
  const op = (key: string) => bento.getOrSet({ key, factory: () => dataset.load(key) })
  if (context.populate) await populate(op, dataset.keys)
  const subject: LibrarySubject = {
    kind: 'peer',
    version: installedVersion('bentocache'),
    config: [
      parts.memory ? `memoryDriver({ maxItems: ${maxItems}, maxSize: '2gb' })` : undefined,
      parts.redisTiers > 0
        ? `redisDriver (ioredis)${parts.redisTiers > 1 ? ' (one L2 only)' : ''}`
        : undefined,
      'no bus, ttl 1h, getOrSet({ key, factory })',
    ]
      .filter(Boolean)
      .join(' + '),
    op,
    async close() {
      await bento.disconnectAll()
    },
  }
  return subject
})
