/**
 * A child process for the create-then-close test: `CYCLES` times, creates a cache over the Redis at
 * `REDIS_URL` (memory tier, Redis tier, the bus) and closes it at once, then prints "closed" and
 * returns. The process must then exit by itself: nothing of the closed caches may keep it alive.
 */
import { createCache, memoryTier, redisTier } from '../../src/index.js'

const url = process.env.REDIS_URL as string
const cycles = Number(process.env.CYCLES ?? 300)
for (let i = 0; i < cycles; i++) {
  const cache = createCache({ namespace: 'cycles', tiers: [memoryTier(), redisTier({ name: 'hot', url })] })
  await cache.close()
}
console.log('closed')
