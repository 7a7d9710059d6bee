import { createClient } from 'redis'
import { installedVersion, LIMITS, type LibrarySubject, library, type SubjectFactory } from './common.js'

/**
 * Not a library: the seed tutorial's section 10 product-page flow written by hand, as its readers
 * would: a `Map` in process memory, then `GET` from the hot Redis, `GET` from the warm one, the
 * loader, and `SET` into hot (30 s) and warm (1 h), values as JSON. Same server and key layout as
 * tiercache's two tiers in this workload, one node-redis client with the per-command timeout off.
 * No single-flight, versions, invalidation or failure handling: it is the floor a real cache pays for
 * those on a miss.
 */
export const seedHandwrittenSubject: SubjectFactory = library('seed hand-written', async (context) => {
  const { env, dataset, scope } = context
  const client = createClient({ url: env.redisUrl, commandOptions: { timeout: 0 } })
  client.on('error', () => undefined)
  await client.connect()
  const limit = context.memoryEntries ?? LIMITS.memoryEntries
  const memory = new Map<string, unknown>()
  const hot = `${scope}-seed-hot:`
  const warm = `${scope}-seed-warm:`
  const remember = (key: string, value: unknown) => {
    if (memory.size >= limit) memory.delete(memory.keys().next().value as string)
    memory.set(key, value)
  }
  const op = async (key: string): Promise<unknown> => {
    const local = memory.get(key)
    if (local !== undefined) return local
    const fromHot = await client.get(hot + key)
    if (fromHot !== null) {
      const value = JSON.parse(fromHot)
      remember(key, value)
      return value
    }
    const fromWarm = await client.get(warm + key)
    if (fromWarm !== null) {
      await client.set(hot + key, fromWarm, { PX: 30_000 })
      const value = JSON.parse(fromWarm)
      remember(key, value)
      return value
    }
    const product = dataset.load(key)
    const json = JSON.stringify(product)
    await client.set(hot + key, json, { PX: 30_000 })
    await client.set(warm + key, json, { PX: LIMITS.entryTtlMs })
    remember(key, product)
    return product
  }
  const subject: LibrarySubject = {
    kind: 'baseline',
    version: `redis ${installedVersion('redis')}`,
    config:
      "Map + GET hot, GET warm, loader, SET hot PX 30s, SET warm PX 1h (the seed's section 10, by hand)",
    op,
    async close() {
      await client.close()
    },
  }
  return subject
})
