// prom-client, CommonJS: a cache's metrics registered on a registry and scraped from it. tiercache loads
// prom-client itself when prometheusMetrics runs, so this also checks that lookup from the CJS build.
const { Registry } = require('prom-client')
const { createCache, memoryTier } = require('tiercache')
const { prometheusMetrics } = require('tiercache/prometheus')
const { assertScraped } = require('./scrape.cjs')

async function main() {
  const cache = createCache({ namespace: 'prometheus-cjs', tiers: [memoryTier()] })
  const registry = new Registry()
  const metrics = prometheusMetrics(cache, { registry })
  await cache.getOrLoad('product:42', async () => ({ id: 42 }))
  assertScraped(await registry.metrics(), cache.namespace)
  metrics.stop()
  await cache.close()
  console.log('prom-client (CJS): prometheusMetrics registers and a scrape reports the load')
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
