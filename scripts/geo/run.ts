/**
 * The seed's Architecture 3 measured: 7 redis-server processes (1 global, 2 regional, 4 local) behind
 * TCP delay proxies, a cache per data center, and the latency of a read answered by each level, by the
 * database, and by the global tier or the database alone. See docs/geographic-hierarchy.md, "Measured latency".
 *
 *   npm run geo -- [--local 0.5] [--regional 20] [--global 150] [--db 300] [--reads 100]
 *
 * The level figures are round trips (the proxies delay each direction by half).
 */
import { parseArgs } from 'node:util'
import { type GeoCache, geoCache } from '../../src/entries/geo.js'
import { createCache, redisTier } from '../../src/index.js'
import { startGeoHierarchy } from '../../test/support/geo-hierarchy.js'

const { values } = parseArgs({
  options: {
    local: { type: 'string', default: '0.5' },
    regional: { type: 'string', default: '20' },
    global: { type: 'string', default: '150' },
    db: { type: 'string', default: '300' },
    reads: { type: 'string', default: '100' },
  },
})
const roundTrips = {
  local: Number(values.local),
  regional: Number(values.regional),
  global: Number(values.global),
}
const dbMs = Number(values.db)
const reads = Number(values.reads)
for (const [name, value] of Object.entries({ ...roundTrips, db: dbMs, reads })) {
  if (!Number.isFinite(value) || value < 0) {
    console.error(`--${name} must be a non-negative number`)
    process.exit(2)
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const database = async (key: string) => {
  await sleep(dbMs) // the simulated query
  return { key, body: 'x'.repeat(200) }
}

/** Times `read` for each key, in sequence; milliseconds. */
async function time(keys: readonly string[], read: (key: string) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = []
  for (const key of keys) {
    const started = performance.now()
    await read(key)
    samples.push(performance.now() - started)
  }
  return samples.sort((a, b) => a - b)
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
}

function ms(value: number): string {
  return value < 1 ? `${(value * 1000).toFixed(0)} µs` : `${value.toFixed(value < 10 ? 2 : 1)} ms`
}

const keys = (prefix: string) => Array.from({ length: reads }, (_, i) => `${prefix}:${i}`)

const hierarchy = await startGeoHierarchy(roundTrips)
const caches: { close(): Promise<void> }[] = []
const stopAll = async () => {
  await Promise.all(caches.map((cache) => cache.close()))
  await hierarchy.stop()
}
process.once('SIGINT', () => {
  void stopAll().finally(() => process.exit(130))
})

try {
  const open = async (dataCenter: string, memory: boolean): Promise<GeoCache> => {
    // Budgets off: this measures each level, it does not pass slow ones over.
    const off = { budget: false as const }
    const cache = geoCache(hierarchy.topology, {
      dataCenter,
      namespace: 'content',
      memory: memory ? {} : false,
      local: off,
      regional: off,
      global: off,
    })
    caches.push(cache)
    await cache.ready({ timeout: '10s' })
    return cache
  }
  const [euWest, euNorth, usEast, usWestMemory] = await Promise.all([
    open('eu-west', false),
    open('eu-north', false),
    open('us-east', false),
    open('us-west', true),
  ])
  const onlyGlobal = createCache({
    namespace: 'content',
    tiers: [redisTier({ name: 'global', url: hierarchy.server('global').proxy.url, prefix: 'global:' })],
  })
  caches.push(onlyGlobal)
  await onlyGlobal.ready({ timeout: '10s' })

  console.log(
    `Round trips through the proxies: local ${roundTrips.local} ms, regional ${roundTrips.regional} ms, global ${roundTrips.global} ms; database query ${dbMs} ms; ${reads} reads per row.\n`,
  )
  const rows: [string, string, number[]][] = []

  // The database: every level misses, then the cluster-wide lease (global) and the query.
  rows.push([
    'database',
    'miss everywhere, lease, query',
    await time(keys('db'), (key) => euWest.getOrLoad(key, () => database(key))),
  ])
  await euWest.idle()
  // Global hits: keys loaded in region eu, read from region us (its local and regional tiers miss).
  rows.push(['global', 'local + regional miss, global hit', await time(keys('db'), (key) => usEast.get(key))])
  await usEast.idle()
  // Regional hits: eu-north shares region eu with eu-west, which loaded the keys.
  rows.push(['regional', 'local miss, regional hit', await time(keys('db'), (key) => euNorth.get(key))])
  await euNorth.idle()
  rows.push(['local', 'local hit', await time(keys('db'), (key) => euNorth.get(key))])
  await usWestMemory.getOrLoad('db:0', () => database('db:0'))
  await usWestMemory.idle()
  rows.push([
    'memory',
    'memory hit (no I/O)',
    await time(Array(reads).fill('db:0'), (key) => usWestMemory.get(key)),
  ])

  const everyTime = {
    global: await time(keys('db'), (key) => onlyGlobal.get(key)),
    database: await time(keys('direct'), (key) => database(key)),
  }
  const saving = (p50: number, baseline: number[]) => {
    const base = percentile(baseline, 50)
    return `${(100 * (1 - p50 / base)).toFixed(1)} %`
  }
  const table = [
    '| answered by | read path | p50 | p99 | saving vs global every time | saving vs database every time |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...rows
      .slice()
      .reverse()
      .map(([level, path, samples]) => {
        const p50 = percentile(samples, 50)
        return `| ${level} | ${path} | ${ms(p50)} | ${ms(percentile(samples, 99))} | ${saving(p50, everyTime.global)} | ${saving(p50, everyTime.database)} |`
      }),
    `| global every time | one Redis, ${roundTrips.global} ms away | ${ms(percentile(everyTime.global, 50))} | ${ms(percentile(everyTime.global, 99))} | | |`,
    `| database every time | the query alone | ${ms(percentile(everyTime.database, 50))} | ${ms(percentile(everyTime.database, 99))} | | |`,
  ]
  console.log(table.join('\n'))

  // Writes: a set reaches every level of every region before it resolves; memory tiers hear of it over the bus.
  const setTimes: number[] = []
  const propagation: number[] = []
  for (let i = 0; i < Math.min(reads, 50); i++) {
    const key = `db:${i}`
    await usWestMemory.get(key) // held in us-west's memory tier
    const heard = new Promise<number>((resolve) => {
      const listener = ({ keys: invalidated }: { keys: readonly string[] }) => {
        if (!invalidated.includes(key)) return
        usWestMemory.off('invalidated', listener)
        resolve(performance.now())
      }
      usWestMemory.on('invalidated', listener)
    })
    const started = performance.now()
    await euWest.set(key, { key, body: 'updated' })
    const resolved = performance.now()
    setTimes.push(resolved - started)
    propagation.push((await heard) - started)
  }
  setTimes.sort((a, b) => a - b)
  propagation.sort((a, b) => a - b)
  console.log(
    `\nset in eu-west (global, then both regional tiers, then the other local tiers): p50 ${ms(percentile(setTimes, 50))}, p99 ${ms(percentile(setTimes, 99))}`,
  )
  console.log(
    `memory tier in us-west told over the bus, from the start of the set: p50 ${ms(percentile(propagation, 50))}, max ${ms(propagation.at(-1) ?? Number.NaN)} (the bus message leaves once every Redis level holds the new version)`,
  )
} finally {
  await stopAll()
}
