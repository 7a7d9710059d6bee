/**
 * One application process of the consistency checker: its own memory tier over the shared hot and
 * warm Redis tiers, reading products and category listings through the cache and updating products
 * (database first, then the cache) at random. Logs every read, write and invalidation receipt as JSON
 * lines for the checker. Started by run.ts as a child process; talks to it over IPC.
 */
import { createWriteStream } from 'node:fs'
import pg from 'pg'
import { createCache, memoryTier, redisTier } from '../../src/index.js'

const env = (name: string): string => {
  const value = process.env[name]
  if (value === undefined) throw new Error(`worker needs ${name}`)
  return value
}
const worker = Number(env('WORKER'))
const workers = Number(env('WORKERS'))
const loops = Number(env('LOOPS'))
const operations = Number(env('OPERATIONS'))
const products = Number(env('PRODUCTS'))
const table = env('TABLE')
const log = createWriteStream(env('LOG_FILE'))
const now = () => performance.timeOrigin + performance.now()

const pool = new pg.Pool({ connectionString: env('DATABASE_URL'), max: loops })
const cache = createCache({
  namespace: 'consistency',
  tiers: [
    memoryTier({ maxEntries: 5000, ttl: '1m' }),
    redisTier({ name: 'hot', url: env('HOT_URL'), ttl: '5m', timeout: '250ms' }),
    redisTier({ name: 'warm', url: env('WARM_URL'), ttl: '1h', timeout: '250ms' }),
  ],
})
cache.on('invalidated', ({ keys }) => {
  const at = now()
  for (const key of keys) log.write(`{"t":"i","k":"${key}","at":${at}}\n`)
})

interface Product {
  id: number
  category: number
  version: number
}

/** A seeded xorshift generator, so a run can be repeated. */
let state = (Number(process.env.SEED ?? 1) * 2654435761 + worker * 97) >>> 0 || 1
function random(): number {
  state ^= state << 13
  state ^= state >>> 17
  state ^= state << 5
  return (state >>> 0) / 4294967296
}

async function readProduct(id: number): Promise<void> {
  const startedAt = now()
  const product = await cache.getOrLoad<Product>(`product:${id}`, async () => {
    const { rows } = await pool.query<Product>(`SELECT id, category, version FROM ${table} WHERE id = $1`, [
      id,
    ])
    return rows[0] as Product
  })
  log.write(`{"t":"r","k":"product:${id}","v":${product.version},"s":${startedAt}}\n`)
}

async function readCategory(category: number): Promise<void> {
  const startedAt = now()
  const listing = await cache.getOrLoad<Product[]>(
    `category:${category}`,
    async () =>
      (
        await pool.query<Product>(
          `SELECT id, category, version FROM ${table} WHERE category = $1 ORDER BY id`,
          [category],
        )
      ).rows,
    { tags: [`category:${category}`] },
  )
  for (const product of listing)
    log.write(`{"t":"r","k":"product:${product.id}","v":${product.version},"s":${startedAt}}\n`)
}

/** Updates a product this loop owns (so writes to one key are never concurrent), then the cache. */
async function updateProduct(id: number): Promise<void> {
  const startedAt = now()
  const { rows } = await pool.query<Product>(
    `UPDATE ${table} SET version = version + 1 WHERE id = $1 RETURNING id, category, version`,
    [id],
  )
  const product = rows[0] as Product
  if (random() < 0.5) await cache.set(`product:${id}`, product)
  else await cache.delete(`product:${id}`)
  const keyWritten = now()
  await cache.invalidateTags([`category:${product.category}`])
  log.write(
    `{"t":"w","k":"product:${id}","v":${product.version},"s":${startedAt},"c":${keyWritten},"a":${now()}}\n`,
  )
}

/** Set when the parent says so: the loops stop once they have also run their `count` operations. */
let stopping = false
let loopsReached = 0

/**
 * Runs `count` operations, tells the parent once every loop has, then goes on until the parent says
 * stop: so that the run lasts until the parent has seen what it waits for (a disturbance of the
 * servers), however fast this machine gets through `count`.
 */
async function loop(index: number, count: number): Promise<void> {
  const owner = worker * loops + index
  const owners = workers * loops
  const owned = Array.from({ length: Math.ceil(products / owners) }, (_, i) => i * owners + owner).filter(
    (id) => id < products,
  )
  const step = async () => {
    const dice = random()
    try {
      if (dice < 0.85) await readProduct(Math.floor(random() ** 2 * products))
      else if (dice < 0.93) await readCategory(Math.floor(random() * Number(env('CATEGORIES'))))
      else if (owned.length > 0) await updateProduct(owned[Math.floor(random() * owned.length)] as number)
    } catch (error) {
      // Invalidations may fail while the chaos monkey has the coordinator down; the loop goes on.
      log.write(`${JSON.stringify({ t: 'e', m: String(error) })}\n`)
    }
  }
  for (let i = 0; i < count; i++) await step()
  if (++loopsReached === loops) process.send?.({ type: 'reached' })
  for (let i = 0; !stopping; i++) {
    await step()
    // Memory hits never leave the microtask queue: let the parent's "stop" message in.
    if (i % 20 === 19) await new Promise(setImmediate)
  }
}

async function main(): Promise<void> {
  await cache.ready({ timeout: '10s' })
  process.send?.({ type: 'ready' })
  await new Promise<void>((resolve) => process.once('message', () => resolve()))
  process.once('message', () => {
    stopping = true
  })
  const started = now()
  await Promise.all(Array.from({ length: loops }, (_, i) => loop(i, Math.ceil(operations / loops))))
  const stats = cache.stats()
  await cache.close()
  await pool.end()
  await new Promise<void>((resolve) => log.end(resolve))
  process.send?.({ type: 'done', durationMs: now() - started, stats })
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
