// A Redis tier given a url, ES module: tiercache connects with the node-redis client it finds
// (`@redis/client`, an optional peer, or the `redis` package that brings it).
import { createClient } from 'redis'
import { createCache, redisTier } from 'tiercache'
import { roundTrip } from './round-trip.cjs'

const url = `redis://127.0.0.1:${process.env.REDIS_PORT}`
const inspector = createClient({ url })
await inspector.connect()
const cache = createCache({ namespace: 'url-esm', tiers: [redisTier({ url })] })
await roundTrip(cache, inspector)
await cache.close()
await inspector.close()
console.log('url (ESM): set, get and delete through redisTier({ url })')
