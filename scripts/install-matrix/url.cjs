// A Redis tier given a url, CommonJS: tiercache connects with the node-redis client it finds.
const { createClient } = require('redis')
const { createCache, redisTier } = require('tiercache')
const { roundTrip } = require('./round-trip.cjs')

async function main() {
  const url = `redis://127.0.0.1:${process.env.REDIS_PORT}`
  const inspector = createClient({ url })
  await inspector.connect()
  const cache = createCache({ namespace: 'url-cjs', tiers: [redisTier({ url })] })
  await roundTrip(cache, inspector)
  await cache.close()
  await inspector.close()
  console.log('url (CJS): set, get and delete through redisTier({ url })')
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
