// node-redis, ES module: a Redis tier on the application's own connected client.
import { createClient } from 'redis'
import { createCache, redisTier } from 'tiercache'
import { roundTrip } from './round-trip.cjs'

const client = createClient({ url: `redis://127.0.0.1:${process.env.REDIS_PORT}` })
client.on('error', (error) => console.error(error))
await client.connect()
const cache = createCache({ namespace: 'node-redis-esm', tiers: [redisTier({ client })] })
await roundTrip(cache, client)
await cache.close()
await client.close()
console.log('node-redis (ESM): set, get and delete through redisTier({ client })')
