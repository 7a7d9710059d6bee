/**
 * Runs the example service as several instances sharing the Redis tiers and one PostgreSQL:
 *
 *   npm run example:ecommerce -- [--instances 2] [--port 3000] [--products 10000]
 *
 * Starts a hot and a warm redis-server unless REDIS_HOT_URL and REDIS_WARM_URL are set, and an embedded
 * PostgreSQL (PGlite behind its socket server, so every instance connects with pg as it would to a
 * real server) unless DATABASE_URL is set. Ctrl-C stops everything.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { startEmbeddedPostgres } from '../../packages/demo/src/embedded-postgres.js'
import { Cleanup, nextSignal } from '../../src/cli/cleanup.js'
import { assertRedisServerInstalled, startLocalRedis } from '../../src/cli/redis/local-server.js'
import { PRESETS } from '../../src/cli/redis/presets.js'
import { ensureSchema } from './database.js'

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '2' },
    port: { type: 'string', default: '3000' },
    products: { type: 'string', default: '10000' },
    help: { type: 'boolean', short: 'h' },
  },
})
if (values.help) {
  console.log('usage: npm run example:ecommerce -- [--instances 2] [--port 3000] [--products 10000]')
  process.exit(0)
}
const instances = Number(values.instances)
const firstPort = Number(values.port)
const products = Number(values.products)
if (![instances, firstPort, products].every((n) => Number.isSafeInteger(n) && n > 0)) {
  console.error('--instances, --port and --products must be positive integers')
  process.exit(2)
}

const cleanup = new Cleanup()
const stop = nextSignal()
const children: ChildProcess[] = []
try {
  const workDir = mkdtempSync(path.join(tmpdir(), 'tiercache-example-'))
  cleanup.removeDirectory(workDir)
  const env: Record<string, string> = {}
  for (const preset of PRESETS['hot-warm']) {
    const given = process.env[preset.env]
    if (given) {
      env[preset.env] = given
      continue
    }
    assertRedisServerInstalled()
    const server = await startLocalRedis(preset.name, preset.args, { parentDir: workDir })
    cleanup.add(() => server.stop())
    env[preset.env] = server.url
  }
  let databaseUrl = process.env.DATABASE_URL
  if (!databaseUrl) {
    const embedded = await startEmbeddedPostgres((message) => console.log(message))
    cleanup.add(() => embedded.close())
    databaseUrl = embedded.url
  }
  const admin = new pg.Client({ connectionString: databaseUrl })
  await admin.connect()
  await ensureSchema(admin, products)
  await admin.end()

  const server = fileURLToPath(new URL('./server.ts', import.meta.url))
  for (let i = 0; i < instances; i++) {
    const port = firstPort + i
    const child = fork(server, [], {
      env: {
        ...process.env,
        ...env,
        DATABASE_URL: databaseUrl,
        PORT: String(port),
        INSTANCE: `shop-${i + 1}`,
      },
      stdio: 'inherit',
    })
    children.push(child)
    cleanup.add(
      () =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve()
          child.once('exit', () => resolve())
          child.kill('SIGTERM')
        }),
    )
  }
  console.log(`hot ${env.REDIS_HOT_URL}, warm ${env.REDIS_WARM_URL}, database ${databaseUrl}`)
  console.log(`try: curl http://127.0.0.1:${firstPort}/products/42`)
  console.log(
    `     curl -X PUT -H 'content-type: application/json' -d '{"price_cents":999}' http://127.0.0.1:${firstPort}/products/42`,
  )
  console.log(
    `     curl http://127.0.0.1:${firstPort + Math.min(1, instances - 1)}/products/42   (another instance)`,
  )
  console.log(`     curl http://127.0.0.1:${firstPort}/metrics`)
  console.log('Ctrl-C stops everything.')
  const exited = new Promise<string>((resolve) => {
    for (const child of children) child.once('exit', (code) => resolve(`an instance exited (${code})`))
  })
  console.log(await Promise.race([stop.signal, exited]))
} catch (error) {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 1
} finally {
  await cleanup.run()
  stop.dispose()
}
