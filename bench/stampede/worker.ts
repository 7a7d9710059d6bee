/**
 * One application process of the stampede benchmark, running one library (env LIBRARY) against the
 * bench's Redis (env REDIS_URL). For each `{ key }` message it fires CALLERS concurrent reads of that
 * cold key through the library, with a loader that takes LOADER_MS, and reports how many times its
 * loader ran and when its callers started and all had their value.
 */
import KeyvRedis from '@keyv/redis'
import { BentoCache, bentostore } from 'bentocache'
import { memoryDriver } from 'bentocache/drivers/memory'
import { redisDriver } from 'bentocache/drivers/redis'
import { createCache as createCacheManager } from 'cache-manager'
import { CacheableMemory } from 'cacheable'
import { Keyv } from 'keyv'
import { loadTiercache, workerBuild } from '../lib/tiercache-build.js'

const library = process.env.LIBRARY as string
const url = process.env.REDIS_URL as string
const callers = Number(process.env.CALLERS ?? 250)
const loaderMs = Number(process.env.LOADER_MS ?? 50)
const scope = `${process.env.SCOPE ?? 'bench-stampede'}-${library}`

type Read = (key: string, loader: () => Promise<string>) => Promise<unknown>

async function open(): Promise<{ read: Read; close(): Promise<void> }> {
  if (library === 'tiercache') {
    const { createCache, memoryTier, redisTier } = await loadTiercache(workerBuild())
    const cache = createCache({ namespace: scope, tiers: [memoryTier(), redisTier({ name: 'redis', url })] })
    await cache.ready()
    return { read: (key, loader) => cache.getOrLoad(key, loader), close: () => cache.close() }
  }
  if (library === 'bentocache') {
    const { hostname, port } = new URL(url)
    const bento = new BentoCache({
      default: 'cache',
      prefix: scope,
      stores: {
        cache: bentostore()
          .useL1Layer(memoryDriver({ maxItems: 10_000 }))
          .useL2Layer(redisDriver({ connection: { host: hostname, port: Number(port) } })),
      },
    })
    return {
      read: (key, loader) => bento.getOrSet({ key, factory: loader }),
      close: () => bento.disconnectAll(),
    }
  }
  if (library === 'cache-manager') {
    const cache = createCacheManager({
      stores: [
        new Keyv({ store: new CacheableMemory({ lruSize: 10_000 }) }),
        new Keyv({ store: new KeyvRedis(url), namespace: scope }),
      ],
    })
    return {
      read: (key, loader) => cache.wrap(key, loader),
      close: () => cache.disconnect().then(() => undefined),
    }
  }
  throw new Error(`unknown library ${library}`)
}

async function main(): Promise<void> {
  const { read, close } = await open()
  process.send?.({ type: 'ready' })
  process.on('message', async (message: { key?: string; stop?: boolean }) => {
    if (message.stop) {
      await close()
      process.exit(0)
    }
    const key = message.key as string
    let loaderCalls = 0
    const loader = async () => {
      loaderCalls++
      await new Promise((resolve) => setTimeout(resolve, loaderMs))
      return `value of ${key}`
    }
    const started = performance.timeOrigin + performance.now()
    const results = await Promise.allSettled(Array.from({ length: callers }, () => read(key, loader)))
    const finished = performance.timeOrigin + performance.now()
    const wrong = results.filter(
      (result) => result.status === 'rejected' || result.value !== `value of ${key}`,
    ).length
    process.send?.({ type: 'result', loaderCalls, started, finished, wrong })
  })
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
