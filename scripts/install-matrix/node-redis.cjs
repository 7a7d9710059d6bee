// node-redis, CommonJS: a Redis tier on the application's own connected client.
const { createClient } = require('redis')
const { createCache, redisTier } = require('tiercache')
const { roundTrip } = require('./round-trip.cjs')

async function main() {
  const client = createClient({ url: `redis://127.0.0.1:${process.env.REDIS_PORT}` })
  client.on('error', (error) => console.error(error))
  await client.connect()
  const cache = createCache({ namespace: 'node-redis-cjs', tiers: [redisTier({ client })] })
  await roundTrip(cache, client)
  await cache.close()
  await client.close()
  console.log('node-redis (CJS): set, get and delete through redisTier({ client })')
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
