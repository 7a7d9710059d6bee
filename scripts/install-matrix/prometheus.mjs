// prom-client, ES module: a cache's metrics registered on a registry and scraped from it.
import { Registry } from 'prom-client'
import { createCache, memoryTier } from 'tiercache'
import { prometheusMetrics } from 'tiercache/prometheus'
import { assertScraped } from './scrape.cjs'

const cache = createCache({ namespace: 'prometheus-esm', tiers: [memoryTier()] })
const registry = new Registry()
const metrics = prometheusMetrics(cache, { registry })
await cache.getOrLoad('product:42', async () => ({ id: 42 }))
assertScraped(await registry.metrics(), cache.namespace)
metrics.stop()
await cache.close()
console.log('prom-client (ESM): prometheusMetrics registers and a scrape reports the load')
