/**
 * How a large `getMany` with a batch loader scales: wall time for 5,000 and 40,000 missing keys on a
 * memory + Redis cache (a redis-server of its own on a free port), the 40k/5k ratio (linear work is
 * about 8), tier errors counted during the run, and how many keys Redis holds afterwards.
 *
 *   npm run measure:get-many            (sizes: --sizes 5000,40000)
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { createClient } from 'redis'
import { startLocalRedis } from '../src/cli/redis/local-server.js'
import { createCache, memoryTier, redisTier } from '../src/index.js'

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '5000,40000' } } })
const sizes = (values.sizes ?? '').split(',').map(Number)

const parentDir = mkdtempSync(path.join(tmpdir(), 'tiercache-get-many-'))
const redis = await startLocalRedis('redis', ['--save', '', '--appendonly', 'no'], { parentDir })
const admin = createClient({ url: redis.url })
await admin.connect()

async function measure(size: number): Promise<{ ms: number; tierErrors: number; inRedis: number }> {
  await admin.flushAll()
  const namespace = `many${size}`
  const cache = createCache({
    namespace,
    tiers: [memoryTier({ maxEntries: size * 2 }), redisTier({ name: 'hot', url: redis.url })],
  })
  await cache.ready({ timeout: '10s' })
  let tierErrors = 0
  cache.on('tierError', () => tierErrors++)
  const keys = Array.from({ length: size }, (_, i) => `item:${i}`)
  const started = performance.now()
  await cache.getMany(keys, (missing) => missing.map((key) => ({ key, n: key.length })))
  await cache.idle()
  const ms = performance.now() - started
  let inRedis = 0
  for await (const found of admin.scanIterator({ MATCH: `hot:${namespace}:*`, COUNT: 1000 }))
    inRedis += found.length
  await cache.close()
  return { ms, tierErrors, inRedis }
}

const rows = ['| keys | ms | tier errors | keys in Redis |', '| ---: | ---: | ---: | ---: |']
const times: number[] = []
for (const size of sizes) {
  const { ms, tierErrors, inRedis } = await measure(size)
  times.push(ms)
  rows.push(`| ${size} | ${ms.toFixed(0)} | ${tierErrors} | ${inRedis} |`)
}
console.log(rows.join('\n'))
if (times.length === 2)
  console.log(`ratio ${sizes[1]}/${sizes[0]}: ${((times[1] as number) / (times[0] as number)).toFixed(1)}`)
await admin.close()
await redis.stop()
rmSync(parentDir, { recursive: true, force: true })
