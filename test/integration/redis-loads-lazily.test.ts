import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'tsup'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type RedisServer, startRedis } from '../support/redis-server.js'

/**
 * A memory-only cache loads no Redis code: the Redis client (and the cluster hash-slot function) are
 * loaded when a Redis tier opens its connection. Checked on the library as it ships (an ESM and a
 * CommonJS bundle, built like `npm run build` builds dist/), each in a fresh Node process that reports
 * every module it loaded.
 */

// Under the checkout, so that the bundles resolve the packages installed here, as dist/ does.
const BUILD_DIR = fileURLToPath(
  new URL(`../../node_modules/.cache/tiercache-test-lazy/${process.pid}/`, import.meta.url),
)
const REDIS_MODULE = /node_modules\/(@redis\/[^/]+|redis|cluster-key-slot|ioredis)\//

let server: RedisServer

beforeAll(async () => {
  rmSync(BUILD_DIR, { recursive: true, force: true })
  mkdirSync(BUILD_DIR, { recursive: true })
  writeFileSync(path.join(BUILD_DIR, 'recorder.mjs'), RECORDER)
  const [started] = await Promise.all([
    startRedis(),
    build({
      config: false,
      entry: { index: fileURLToPath(new URL('../../src/index.ts', import.meta.url)) },
      format: ['esm', 'cjs'],
      shims: true,
      splitting: false,
      // Every package imported stays an import, as dependencies do in dist/.
      skipNodeModulesBundle: true,
      target: 'node20',
      outDir: BUILD_DIR,
      silent: true,
    }),
  ])
  server = started
}, 60_000)

afterAll(async () => {
  await server?.stop()
  rmSync(BUILD_DIR, { recursive: true, force: true })
})

describe.each(['esm', 'cjs'] as const)('the %s build', (format) => {
  test('a memory-only cache loads no Redis client, hash-slot or ioredis module', async () => {
    const report = await runCache(format, undefined)
    expect(report.value).toBe('v')
    // The recorder saw the modules loaded: the bundle itself among them.
    expect(report.loaded).toContain(path.join(BUILD_DIR, format === 'esm' ? 'index.js' : 'index.cjs'))
    expect(redisPackages(report.loaded)).toEqual([])
  })

  test('a Redis tier loads @redis/client, and none of the redis meta-package modules', async () => {
    await server.command('FLUSHALL')
    const report = await runCache(format, server.url)
    expect(report.value).toBe('v')
    expect(await server.command('DBSIZE')).toBeGreaterThan(0)
    expect(redisPackages(report.loaded)).toContain('@redis/client')
    expect(redisPackages(report.loaded)).not.toContain('redis')
    expect(redisPackages(report.loaded).filter((name) => name.startsWith('@redis/'))).toEqual([
      '@redis/client',
    ])
  })
})

/** Records every URL the ESM loader resolves (CommonJS modules are in `require.cache`). */
const RECORDER = `import { appendFileSync } from 'node:fs'
let log
export function initialize(data) { log = data.log }
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context)
  appendFileSync(log, resolved.url + '\\n')
  return resolved
}
`

interface Report {
  value: unknown
  loaded: string[]
}

/** Sets and gets a key through a cache with a memory tier (and a Redis tier at `url`) in a new process. */
async function runCache(format: 'esm' | 'cjs', url: string | undefined): Promise<Report> {
  const log = path.join(BUILD_DIR, `resolved-${format}-${url === undefined ? 'memory' : 'redis'}.log`)
  writeFileSync(log, '')
  const bundle = path.join(BUILD_DIR, format === 'esm' ? 'index.js' : 'index.cjs')
  const load =
    format === 'esm'
      ? `const { register } = await import('node:module')
         register(${JSON.stringify(pathToFileURL(path.join(BUILD_DIR, 'recorder.mjs')).href)}, { data: { log: ${JSON.stringify(log)} } })
         const lib = await import(${JSON.stringify(pathToFileURL(bundle).href)})`
      : `const lib = require(${JSON.stringify(bundle)})`
  const script = `(async () => {
    ${load}
    const url = process.env.REDIS_URL
    const tiers = [lib.memoryTier()]
    if (url) tiers.push(lib.redisTier({ url }))
    const cache = lib.createCache({ namespace: 'lazy', tiers })
    await cache.set('k', 'v')
    const value = await cache.get('k')
    await cache.close()
    const loaded = Object.keys(require.cache)
    console.log(JSON.stringify({ value, loaded }))
  })()`
  const stdout = await runNode(['-e', script], url === undefined ? {} : { REDIS_URL: url })
  const report = JSON.parse(stdout) as Report
  const resolved = readFileSync(log, 'utf8').split('\n').filter(Boolean).map(fileURLToPathOrSelf)
  return { ...report, loaded: [...report.loaded, ...resolved] }
}

function fileURLToPathOrSelf(url: string): string {
  return url.startsWith('file:') ? fileURLToPath(url) : url
}

/** The Redis-related packages among loaded module paths, each named once. */
function redisPackages(loaded: readonly string[]): string[] {
  const names = loaded.map((file) => REDIS_MODULE.exec(file)?.[1]).filter((name) => name !== undefined)
  return [...new Set(names)].sort()
}

function runNode(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: BUILD_DIR,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk
    })
    child.once('error', reject)
    child.once('exit', (code) => {
      if (code === 0) resolve(stdout.trim().split('\n').at(-1) ?? '')
      else reject(new Error(`node exited with ${code}: ${stderr}`))
    })
  })
}
