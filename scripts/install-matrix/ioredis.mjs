// ioredis, ES module: a Redis tier on the application's own client.
import { Redis } from 'ioredis'
import { createCache, redisTier } from 'tiercache'
import { roundTrip } from './round-trip.cjs'

const client = new Redis({ host: '127.0.0.1', port: Number(process.env.REDIS_PORT) })
const cache = createCache({ namespace: 'ioredis-esm', tiers: [redisTier({ client })] })
await roundTrip(cache, client)
await cache.close()
await client.quit()
console.log('ioredis (ESM): set, get and delete through redisTier({ client })')
