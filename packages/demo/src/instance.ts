/**
 * One application instance of the demo, run as a child process: its own memory tier over the shared
 * hot and warm Redis tiers, in front of PostgreSQL (or, in the comparison run, PostgreSQL alone).
 * A reader serves product pages and category listings at a fixed offered rate; the writer updates
 * products (database first, then the cache). Reports figures to the demo over IPC.
 */
import pg from 'pg'
import type { TierCache } from 'tiercache'
import { createCache, memoryTier, redisTier } from 'tiercache'
import { EventLoopDelay } from './event-loop-delay.js'
import { LatencyHistogram } from './histogram.js'
import type {
  ControlMessage,
  InstanceMessage,
  InstanceResult,
  InstanceSample,
  InstanceSettings,
  WriteLogEntry,
} from './protocol.js'
import { SETTINGS_ENV } from './protocol.js'
import { ReadLogWriter } from './read-log.js'
import { categoryOf, createRandom, LISTING_SIZE, pickCategory, pickProduct } from './workload.js'

interface Product {
  id: number
  category: number
  name: string
  price_cents: number
  description: string
  version: number
  updated_at: Date
}
type ListingRow = Pick<Product, 'id' | 'name' | 'price_cents' | 'version'>

const settings = JSON.parse(process.env[SETTINGS_ENV] ?? 'null') as InstanceSettings
const send = (message: InstanceMessage) => process.send?.(message)
const now = () => performance.timeOrigin + performance.now()
const random = createRandom(settings.seed)

const pool = new pg.Pool({ connectionString: settings.databaseUrl, max: settings.poolSize })
pool.on('error', () => undefined)
const cache: TierCache | undefined =
  settings.mode === 'cache'
    ? createCache({
        namespace: settings.namespace,
        tiers: [
          memoryTier({ maxEntries: 10_000, ttl: '1m' }),
          redisTier({ name: 'hot', url: settings.hotUrl, ttl: '30m', role: 'hot', timeout: '250ms' }),
          redisTier({
            name: 'warm',
            url: settings.warmUrl,
            ttl: '24h',
            role: 'warm',
            compress: true,
            timeout: '250ms',
          }),
        ],
      })
    : undefined
const readLog =
  settings.role === 'reader' && settings.readLog ? new ReadLogWriter(settings.readLog) : undefined

const counters = {
  requests: 0,
  served: 0,
  failed: 0,
  dbReads: 0,
  dbWrites: 0,
  answeredBy: { memory: 0, redis: 0, database: 0 },
}
/** Histograms of the measured phase (the warm-up's are discarded when it ends). */
const requestLatency = new LatencyHistogram()
const memoryLatency = new LatencyHistogram()
const databaseLatency = new LatencyHistogram()
/** Request latency since the previous sample, for the report's charts over time. */
const intervalLatency = new LatencyHistogram()
const eventLoopDelay = new EventLoopDelay()
const writes: WriteLogEntry[] = []
let readsLogged = 0

const productSql = `SELECT id, category, name, price_cents, description, version, updated_at FROM ${settings.table} WHERE id = $1`
const listingSql = `SELECT id, name, price_cents, version FROM ${settings.table} WHERE category = $1 ORDER BY id LIMIT ${LISTING_SIZE}`
const updateSql = `UPDATE ${settings.table} SET price_cents = price_cents + 1, version = version + 1, updated_at = now() WHERE id = $1 RETURNING id, category, name, price_cents, description, version, updated_at`

async function query<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<R[]> {
  const started = performance.now()
  const { rows } = await pool.query<R>(sql, params)
  if (settings.role === 'writer') counters.dbWrites++
  else counters.dbReads++
  databaseLatency.record((performance.now() - started) * 1000)
  return rows
}

const loadProduct = async ({ key }: { key: string }) =>
  (await query<Product>(productSql, [Number(key.slice('product:'.length))]))[0] ?? null
const loadListing = ({ key }: { key: string }) => query<ListingRow>(listingSql, [Number(key.split(':')[1])])

const NOT_SETTLED = Symbol('not settled')
const settledMarker = Promise.resolve(NOT_SETTLED)

/**
 * Reads through the cache and notes what answered: a call answered by the memory tier returns an
 * already settled promise (which is also how its latency is told apart: the memory tier does no I/O the
 * cache could time); a call whose own loader ran went to the database; any other was answered after a
 * round trip to Redis (see AnsweredBy).
 */
async function cached<V>(key: string, loader: (context: { key: string }) => Promise<V>, tags?: string[]) {
  let loaded = false
  const ownLoader = (context: { key: string }) => {
    loaded = true
    return loader(context)
  }
  const started = performance.now()
  const pending = (cache as TierCache).getOrLoad(key, ownLoader, tags ? { tags } : undefined)
  const callMicros = (performance.now() - started) * 1000
  const first = await Promise.race([pending, settledMarker])
  if (first !== NOT_SETTLED) {
    memoryLatency.record(callMicros)
    counters.answeredBy.memory++
    return first as V
  }
  const value = await pending
  if (loaded) counters.answeredBy.database++
  else counters.answeredBy.redis++
  return value
}

async function readProduct(id: number): Promise<Product | null> {
  if (!cache) {
    counters.answeredBy.database++
    return (await query<Product>(productSql, [id]))[0] ?? null
  }
  return cached(`product:${id}`, loadProduct)
}

async function readListing(category: number): Promise<readonly ListingRow[]> {
  if (!cache) {
    counters.answeredBy.database++
    return query<ListingRow>(listingSql, [category])
  }
  return cached(`category:${category}:products`, loadListing, [`category:${category}`])
}

async function serveOne(): Promise<void> {
  const startedAt = now()
  const started = performance.now()
  try {
    if (random() < settings.listingShare) {
      const listing = await readListing(pickCategory(settings, random))
      if (readLog) for (const row of listing) readLog.record(row.id, row.version, startedAt)
      readsLogged += readLog ? listing.length : 0
    } else {
      const product = await readProduct(pickProduct(settings, random))
      if (readLog && product) {
        readLog.record(product.id, product.version, startedAt)
        readsLogged++
      }
    }
    counters.served++
    const micros = (performance.now() - started) * 1000
    requestLatency.record(micros)
    intervalLatency.record(micros)
  } catch {
    counters.failed++
  }
}

/**
 * The run's phases. Work goes through {@link task}, so that the end of the warm-up can wait for the
 * requests in flight and note the counters between two requests: every request then belongs to one
 * phase, and the measured figures add up exactly.
 */
const phase = {
  finishing: false,
  gate: undefined as Promise<void> | undefined,
  inFlight: 0,
  drained: undefined as (() => void) | undefined,
  measureStart: undefined as InstanceSample | undefined,
  measureStartedAt: 0,
}

async function task(work: () => Promise<void>): Promise<void> {
  while (phase.gate) await phase.gate
  phase.inFlight++
  try {
    await work()
  } finally {
    phase.inFlight--
    if (phase.inFlight === 0) phase.drained?.()
  }
}

/** Ends the warm-up: pauses new work, waits for the work in flight, notes the counters, resumes. */
async function beginMeasuring(tick: number): Promise<void> {
  let release = () => {}
  phase.gate = new Promise<void>((resolve) => {
    release = resolve
  })
  if (phase.inFlight > 0) await new Promise<void>((resolve) => (phase.drained = resolve))
  phase.drained = undefined
  await cache?.idle()
  phase.measureStart = sample(tick)
  phase.measureStartedAt = performance.now()
  for (const histogram of [requestLatency, memoryLatency, databaseLatency]) histogram.reset()
  eventLoopDelay.restart()
  phase.gate = undefined
  release()
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * `users` shoppers, each asking for a page, waiting for it, and asking again on a schedule that caps
 * the instance at `rate` requests a second. When pages are slow (the database is saturated) the
 * shoppers wait, as people do, so fewer requests are served.
 */
async function runReader(): Promise<void> {
  const intervalMs = (settings.users * 1000) / settings.rate
  const shopper = async (offset: number) => {
    let next = performance.now() + offset
    for (;;) {
      const wait = next - performance.now()
      if (wait > 0) await sleep(wait)
      if (phase.finishing) return
      next = Math.max(next + intervalMs, performance.now())
      await task(async () => {
        counters.requests++
        await serveOne()
      })
    }
  }
  await Promise.all(
    Array.from({ length: settings.users }, (_, i) => shopper((i * intervalMs) / settings.users)),
  )
}

/**
 * Updates products one at a time at most `rate` a second: the database first, then the cache. After a
 * stall it carries on from now rather than catching up in a burst.
 */
async function runWriter(): Promise<void> {
  const intervalMs = 1000 / settings.rate
  let next = performance.now()
  for (let count = 0; ; count++) {
    const wait = next - performance.now()
    if (wait > 0) await sleep(wait)
    if (phase.finishing) return
    next = Math.max(next + intervalMs, performance.now())
    await task(() => writeOne(count))
  }
}

async function writeOne(count: number): Promise<void> {
  try {
    const id = pickProduct(settings, random)
    const [row] = await query<Product>(updateSql, [id])
    if (!row) return
    if (cache) {
      if (count % 2 === 0) await cache.set(`product:${id}`, row)
      else await cache.delete(`product:${id}`)
      await cache.invalidateTags([`category:${categoryOf(id, settings.categories)}`])
    }
    writes.push({ id, version: row.version, acknowledgedAt: now() })
  } catch {
    counters.failed++
  }
}

/** When this instance was told to start, for the samples' times. */
let startedAt = 0

function sample(tick: number): InstanceSample {
  return {
    tick,
    atMs: performance.now() - startedAt,
    ...counters,
    answeredBy: { ...counters.answeredBy },
    tiers: (cache?.stats().tiers ?? []).map(({ name, hits, misses }) => ({ name, hits, misses })),
    cpuMicros: cpuMicros(),
    interval: { eventLoopP99: 0, requestLatency: undefined },
  }
}

function cpuMicros(): number {
  const { user, system } = process.cpuUsage()
  return user + system
}

/** A sample for the timeline: the counters, and the latencies since the previous one. */
function intervalSample(tick: number): InstanceSample {
  const requests = structuredClone(intervalLatency.toJSON())
  intervalLatency.reset()
  return {
    ...sample(tick),
    interval: { eventLoopP99: eventLoopDelay.takeInterval(), requestLatency: requests },
  }
}

async function run(measure: Promise<ControlMessage>): Promise<void> {
  let tick = 0
  startedAt = performance.now()
  const sampler = setInterval(
    () => send({ type: 'sample', sample: intervalSample(++tick) }),
    settings.sampleEveryMs,
  )
  const work = settings.role === 'writer' ? runWriter() : runReader()
  const order = await measure
  await beginMeasuring(tick)
  await sleep(order.type === 'measure' ? order.durationMs : 0)
  phase.finishing = true
  await work
  const measuredMs = performance.now() - phase.measureStartedAt
  clearInterval(sampler)
  eventLoopDelay.stop()
  await cache?.idle()
  const stats = cache?.stats()
  const result: InstanceResult = {
    measureStart: phase.measureStart as InstanceSample,
    final: sample(tick + 1),
    measuredMs,
    tiers: (stats?.tiers ?? []).map((tier) => ({
      name: tier.name,
      hits: tier.hits,
      misses: tier.misses,
      errors: tier.errors,
      latency: tier.latencyMicros,
    })),
    loads: stats?.loads ?? counters.dbReads,
    requestLatency: requestLatency.toJSON(),
    memoryLatency: memoryLatency.toJSON(),
    databaseLatency: databaseLatency.toJSON(),
    eventLoopDelay: eventLoopDelay.total.toJSON(),
    writes,
    readsLogged,
  }
  readLog?.close()
  await cache?.close()
  await pool.end()
  await new Promise<void>((resolve) =>
    process.send?.({ type: 'done', result } satisfies InstanceMessage, () => resolve()),
  )
}

async function main(): Promise<void> {
  if (!settings) throw new Error(`the demo instance needs ${SETTINGS_ENV}`)
  // Open every pooled connection now, not during the measured run.
  await Promise.all(Array.from({ length: settings.poolSize }, () => pool.query('SELECT 1')))
  if (cache && !(await cache.ready({ timeout: '10s' })))
    throw new Error('the invalidation bus did not come up within 10 s')
  const measure = messageOf('measure')
  process.on('message', (message: ControlMessage) => {
    if (message.type === 'start') {
      run(measure).then(
        () => process.disconnect?.(),
        (error: unknown) => fail(error),
      )
    } else if (message.type === 'stop') process.exit(0)
  })
  send({ type: 'ready' })
}

function messageOf(type: ControlMessage['type']): Promise<ControlMessage> {
  return new Promise((resolve) => {
    const listener = (message: ControlMessage) => {
      if (message.type !== type) return
      process.off('message', listener)
      resolve(message)
    }
    process.on('message', listener)
  })
}

function fail(error: unknown): void {
  send({ type: 'failed', message: error instanceof Error ? error.message : String(error) })
  process.exitCode = 1
  process.disconnect?.()
  setTimeout(() => process.exit(1), 1000).unref()
}

// Ctrl-C reaches the whole process group; the demo decides how to stop.
process.on('SIGINT', () => undefined)
// If the demo itself goes away, so does its instance.
process.on('disconnect', () => process.exit(process.exitCode ?? 0))
main().catch(fail)
