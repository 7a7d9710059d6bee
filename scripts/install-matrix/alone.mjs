// tiercache installed alone (no Redis client): a memory-only cache works, and a Redis tier given a
// url says what to install instead of failing on a missing module.
import { createCache, InvalidOptionError, memoryTier, redisTier } from 'tiercache'

const cache = createCache({ namespace: 'alone', tiers: [memoryTier({ maxEntries: 100 })] })
await cache.set('product:1', { id: 1 })
const read = await cache.get('product:1')
if (read?.id !== 1) throw new Error(`memory-only get returned ${JSON.stringify(read)}`)
await cache.close()

let refused
try {
  createCache({
    namespace: 'alone',
    tiers: [redisTier({ url: `redis://127.0.0.1:${process.env.REDIS_PORT}` })],
  })
} catch (error) {
  refused = error
}
if (!(refused instanceof InvalidOptionError) || !refused.message.includes('npm install @redis/client'))
  throw new Error(`a url tier without node-redis gave ${refused}`)
console.log('alone: memory-only cache works; a url tier asks for @redis/client')
