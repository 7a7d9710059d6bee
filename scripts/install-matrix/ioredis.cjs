// ioredis, CommonJS: a Redis tier on the application's own client.
const { Redis } = require('ioredis')
const { createCache, redisTier } = require('tiercache')
const { roundTrip } = require('./round-trip.cjs')

async function main() {
  const client = new Redis({ host: '127.0.0.1', port: Number(process.env.REDIS_PORT) })
  const cache = createCache({ namespace: 'ioredis-cjs', tiers: [redisTier({ client })] })
  await roundTrip(cache, client)
  await cache.close()
  await client.quit()
  console.log('ioredis (CJS): set, get and delete through redisTier({ client })')
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
