import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ensureSchema } from '../../examples/ecommerce/database.js'
import { startEmbeddedPostgres } from '../../packages/demo/src/embedded-postgres.js'
import { PRESETS } from '../../src/cli/redis/presets.js'
import { runCli } from '../support/cli.js'
import { freePort, type RedisServer, startRedis } from '../support/redis-server.js'
import { waitFor } from '../support/wait.js'

/** The example service as it runs: two instances (processes) sharing the Redis tiers and one database. */
const server = fileURLToPath(new URL('../../examples/ecommerce/server.ts', import.meta.url))
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
/** The documented consistency bound: other processes' memory tiers follow a write within it. */
const BOUND_MS = 2000

interface Database {
  url: string
  close(): Promise<void>
}

async function embedded(): Promise<Database> {
  const db = await startEmbeddedPostgres(() => undefined)
  return { url: db.url, close: () => db.close() }
}

/** The machine's PostgreSQL, in a schema of this test's own (dropped afterwards). */
async function postgres(): Promise<Database> {
  const schema = `tc_example_${process.pid}`
  const admin = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000 })
  try {
    await admin.connect()
  } catch (error) {
    throw new Error(`this test needs PostgreSQL at ${databaseUrl} (set DATABASE_URL). ${String(error)}`)
  }
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`)
  const separator = databaseUrl.includes('?') ? '&' : '?'
  return {
    url: `${databaseUrl}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    async close() {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
      await admin.end()
    },
  }
}

interface Instance {
  url: string
  child: ChildProcess
}

async function startInstance(name: string, env: Record<string, string>): Promise<Instance> {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', server], {
    env: { ...process.env, ...env, PORT: String(port), INSTANCE: name },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  await waitFor(() => output.includes('listening on') || child.exitCode !== null, {
    timeoutMs: 30_000,
    what: `instance ${name} to listen`,
  })
  if (child.exitCode !== null) throw new Error(`instance ${name} exited (${child.exitCode}): ${output}`)
  return { url: `http://127.0.0.1:${port}`, child }
}

function stopInstance(instance: Instance | undefined): Promise<void> {
  return new Promise((resolve) => {
    const child = instance?.child
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

interface Product {
  id: number
  category: number
  price_cents: number
  version: number
}

async function json<T = Product>(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; body: T; instance: string | null }> {
  const response = await fetch(url, init)
  return {
    status: response.status,
    body: (await response.json()) as T,
    instance: response.headers.get('x-instance'),
  }
}

describe.each([
  ['the embedded PostgreSQL (PGlite)', embedded],
  ['PostgreSQL', postgres],
])('the e-commerce service on %s', (_kind, openDatabase) => {
  let hot: RedisServer
  let warm: RedisServer
  let database: Database
  let a: Instance
  let b: Instance

  beforeAll(async () => {
    const [hotPreset, warmPreset] = PRESETS['hot-warm']
    ;[hot, warm, database] = await Promise.all([
      startRedis({ args: [...hotPreset.args] }),
      startRedis({ args: [...warmPreset.args] }),
      openDatabase(),
    ])
    const admin = new pg.Client({ connectionString: database.url })
    await admin.connect()
    await ensureSchema(admin, 500, 10)
    await admin.end()
    const env = { DATABASE_URL: database.url, REDIS_HOT_URL: hot.url, REDIS_WARM_URL: warm.url }
    ;[a, b] = await Promise.all([startInstance('a', env), startInstance('b', env)])
  }, 120_000)

  afterAll(async () => {
    await Promise.all([stopInstance(a), stopInstance(b)])
    await database?.close()
    await Promise.all([hot?.stop(), warm?.stop()])
  })

  test('an update through one instance is what the other serves next', async () => {
    const before = await json(`${b.url}/products/5`)
    expect(before).toMatchObject({ status: 200, instance: 'b', body: { id: 5, category: 5, version: 1 } })
    expect((await json(`${b.url}/products/5`)).body).toEqual(before.body) // now from b's memory tier
    const listing = await json<Product[]>(`${b.url}/categories/5/products`)
    expect(listing.body.find((p) => p.id === 5)).toMatchObject({
      price_cents: before.body.price_cents,
    })

    const put = await json(`${a.url}/products/5`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ price_cents: 12_345 }),
    })
    expect(put).toMatchObject({
      status: 200,
      instance: 'a',
      body: { id: 5, price_cents: 12_345, version: 2 },
    })

    await waitFor(async () => (await json(`${b.url}/products/5`)).body.price_cents === 12_345, {
      timeoutMs: BOUND_MS,
      what: 'instance b to serve the new price',
    })
    await waitFor(
      async () =>
        (await json<Product[]>(`${b.url}/categories/5/products`)).body.find((p: { id: number }) => p.id === 5)
          ?.price_cents === 12_345,
      { timeoutMs: BOUND_MS, what: "instance b's category listing (tag-invalidated) to show it" },
    )
  })

  test('moving a product to another category invalidates both listings', async () => {
    await json<Product[]>(`${b.url}/categories/6/products`)
    await json<Product[]>(`${b.url}/categories/7/products`)
    const put = await json(`${a.url}/products/6`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ category: 7 }),
    })
    expect(put.body).toMatchObject({ id: 6, category: 7 })
    await waitFor(
      async () => {
        const [six, seven] = await Promise.all([
          json<Product[]>(`${b.url}/categories/6/products`),
          json<Product[]>(`${b.url}/categories/7/products`),
        ])
        const ids = (listing: { body: { id: number }[] }) => listing.body.map((p) => p.id)
        return !ids(six).includes(6) && ids(seven).includes(6)
      },
      { timeoutMs: BOUND_MS, what: 'both listings to follow the move' },
    )
  })

  test('bad requests are refused before touching the cache or the database', async () => {
    expect((await json(`${a.url}/products/abc`)).status).toBe(400)
    expect((await json(`${a.url}/products/0`)).status).toBe(400)
    expect((await json(`${a.url}/products/99999`)).status).toBe(404)
    const bad = await json(`${a.url}/products/5`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ price_cents: 'cheap' }),
    })
    expect(bad.status).toBe(400)
  })

  test('GET /metrics is Prometheus text with per-tier figures, which tiercache stats reads', async () => {
    const response = await fetch(`${b.url}/metrics`)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
    const text = await response.text()
    expect(text).toMatch(/^tiercache_tier_hits_total\{cache="shop",replica="b",tier="memory"\} [1-9]/m)
    expect(text).toMatch(/^tiercache_tier_misses_total\{cache="shop",replica="b",tier="hot"\} \d+/m)
    expect(text).not.toMatch(/tiercache_tier_latency_seconds/)
    const hotCount = text.match(
      /^tiercache_tier_round_trip_seconds_count\{cache="shop",replica="b",tier="hot"\} (\d+)/m,
    )?.[1]
    expect(Number(hotCount)).toBeGreaterThan(0)
    expect(text).toMatch(
      new RegExp(
        `^tiercache_tier_round_trip_seconds_bucket\\{le="\\+Inf",cache="shop",replica="b",tier="hot"\\} ${hotCount}$`,
        'm',
      ),
    )
    expect(text).toMatch(
      /^tiercache_load_duration_seconds_bucket\{le="\+Inf",cache="shop",replica="b",result="ok"\} [1-9]/m,
    )
    expect(text).toMatch(
      /^tiercache_invalidations_received_total\{cache="shop",replica="b",kind="key"\} [1-9]/m,
    )

    const stats = await runCli(['stats', '--metrics', `${b.url}/metrics`])
    expect(stats.code, stats.stderr).toBe(0)
    expect(stats.stdout).toMatch(/^shop\s+memory\s+[1-9][\d,]*\s+[\d,]+\s+[\d.]+ %/m)
    expect(stats.stdout).toMatch(/^shop\s+hot\s+[\d,]+\s+[\d,]+\s+[\d.]+ %\s+[\d.]+ (µs|ms)/m)
    expect(stats.stdout).toMatch(/loader calls [1-9]/)
  })
})
