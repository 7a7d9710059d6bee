/**
 * One instance of the example service. Configuration comes from the environment:
 *
 *   PORT            (default 3000)
 *   DATABASE_URL    PostgreSQL; the products table must exist (start.ts creates it)
 *   REDIS_HOT_URL   the hot tier (no persistence, allkeys-lfu)
 *   REDIS_WARM_URL  the warm tier (AOF, volatile-lru)
 *   INSTANCE        a name for this instance (default: the port)
 */
import pg from 'pg'
import { Registry } from 'prom-client'
import { memoryTier, redisTier } from 'tiercache'
import { buildApp } from './app.js'

function required(name: string): string {
  const value = process.env[name]
  if (!value) {
    console.error(`set ${name} (or run the example with: npm run example:ecommerce)`)
    process.exit(2)
  }
  return value
}

const port = Number(process.env.PORT ?? 3000)
const instance = process.env.INSTANCE ?? String(port)
const db = new pg.Pool({ connectionString: required('DATABASE_URL'), max: 10 })
const app = await buildApp({
  db,
  registry: new Registry(),
  instance,
  cache: {
    namespace: 'shop',
    tiers: [
      memoryTier({ maxEntries: 10_000, ttl: '1m' }),
      redisTier({ name: 'hot', url: required('REDIS_HOT_URL'), ttl: '30m', role: 'hot', timeout: '100ms' }),
      redisTier({ name: 'warm', url: required('REDIS_WARM_URL'), ttl: '24h', role: 'warm', compress: true }),
    ],
  },
})

async function shutdown(): Promise<void> {
  await app.close() // closes the cache and stops its metrics too
  await db.end()
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    shutdown().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  })
}

await app.cache.ready({ timeout: '10s' })
await app.listen({ port, host: '127.0.0.1' })
console.log(`instance ${instance} listening on http://127.0.0.1:${port}`)
