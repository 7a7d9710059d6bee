import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { createClient } from 'redis'
import { afterAll, beforeAll, expect, test, vi } from 'vitest'
import { type RedisCluster, startRedisCluster } from '../support/redis-cluster.js'
import { type RedisSentinelSetup, startRedisSentinel } from '../support/redis-sentinel.js'
import { type RedisServer, startRedis } from '../support/redis-server.js'
import { makeCertificates, startTlsRedis, type TestCertificates } from '../support/tls.js'

/**
 * Every block marked `<!-- example: name -->` in the README and in docs/*.md must run as written
 * (against a private Redis) and print what its comments say. The blocks run verbatim, in their first
 * milliseconds after `createCache` as a user's program would: nothing is added to them.
 */
const docs = new URL('../../docs/', import.meta.url)
const allPages = [
  new URL('../../README.md', import.meta.url),
  ...readdirSync(docs)
    .filter((file) => file.endsWith('.md'))
    .map((file) => new URL(file, docs)),
]
// observability.md's examples subscribe to process-wide channels: observability-docs.test.ts runs them.
const pages = allPages.filter((page) => !page.pathname.endsWith('/docs/observability.md'))
const examples = pages.flatMap((page) =>
  [...readFileSync(page, 'utf8').matchAll(/<!-- example: ([\w-]+) -->\s*```ts\n([\s\S]*?)```/g)].map((m) => ({
    name: m[1] as string,
    code: m[2] as string,
  })),
)
/** Fenced blocks that are not code to run: shell commands, program output, configuration. */
const NOT_CODE = new Set(['sh', 'bash', 'text', 'json'])
const directory = path.join(path.dirname(new URL(import.meta.url).pathname), '..', '.examples')

/** What each example prints (its console.log calls, in order), checked against its comments. */
const printed: Record<string, (calls: unknown[][]) => void> = {
  'quick-start': (calls) => {
    const user = { id: 1, name: 'Ada Lovelace', roles: ['admin'] }
    // first: the loader's value; second: a memory hit, a deep-frozen copy.
    expect(calls[0]).toEqual([user, user, true])
    // One miss and one hit in memory, one miss in Redis: the loader ran once.
    expect(calls[1]).toEqual([['memory: 1 hits, 1 misses', 'redis: 0 hits, 1 misses']])
  },
  'hot-warm': (calls) => {
    const findings = calls.slice(0, -1).map(([line]) => String(line))
    // The audit reads both servers' configuration (a plain test server fits neither role).
    expect(findings.length).toBeGreaterThan(0)
    for (const finding of findings) {
      expect(finding).toMatch(/^(hot|warm): /)
      expect(finding).not.toMatch(/could not read/)
    }
    expect(calls.at(-1)).toEqual([[{ product: 7, score: 0.9 }]])
  },
  geo: (calls) => {
    expect(calls[0]).toEqual([{ title: 'Caching at a distance' }]) // from the global tier
    expect(calls[1]).toEqual([{ title: 'Caching, nearby' }]) // the new title
    // us-east (no memory tier): the first get answered by the global tier, the second by its local one.
    // On a busy machine a local read slower than its 20 ms budget also asks the levels behind it, which
    // count hits too: the local level's single hit and the global level's are what the comments promise.
    const [local, regional, global] = ((calls[2]?.[0] ?? []) as string[]).map((line) =>
      Number(line.split(': ')[1]?.split(' ')[0]),
    )
    expect(calls[2]?.[0]).toEqual([
      'local: 1 hits',
      expect.stringMatching(/^regional: \d+ hits$/),
      expect.stringMatching(/^global: \d+ hits$/),
    ])
    expect(local).toBe(1)
    expect(global).toBeGreaterThanOrEqual(1)
    expect(regional).toBeLessThanOrEqual(global as number)
    expect(calls[3]?.[0]).toEqual(expect.arrayContaining([expect.objectContaining({ tier: 'local' })]))
  },
  'product-page': (calls) => {
    expect(calls).toEqual([[{ id: 42, name: 'Desk lamp', price_cents: 1999 }]])
  },
  'eviction-policies': (calls) => {
    expect(calls).toEqual([[true, false], [1]])
  },
  'bus-secret': (calls) => {
    expect(calls).toEqual([[{ keys: ['account:1'], tags: [] }], [0]])
  },
  warming: (calls) => {
    expect(calls).toEqual([
      [{ processed: 3, cached: 0, loaded: 3, failed: 0, done: true }],
      [{ processed: 3, cached: 3, loaded: 0, failed: 0, done: true }],
    ])
  },
  'redis-cluster': (calls) => {
    expect(calls).toEqual([[['memory: up', 'hot: up']]])
  },
  invalidation: (calls) => {
    expect(calls).toEqual([[false]]) // B's memory copy was dropped by A's tag invalidation
  },
  'load-protection': (calls) => {
    expect(calls).toEqual([[{ price: 19.9 }, 1]])
  },
  'keyv-cache-manager': (calls) => {
    expect(calls).toEqual([[{ name: 'Ada' }], [{ name: 'Grace' }]])
  },
  'bentocache-before': (calls) => {
    expect(calls).toEqual([[{ id: 1, name: 'Lamp' }]])
  },
  'bentocache-after': (calls) => {
    expect(calls).toEqual([[{ id: 1, name: 'Lamp' }]])
  },
  'cache-manager-before': (calls) => {
    expect(calls).toEqual([[{ id: 1, name: 'Ada' }]])
  },
  'cache-manager-after': (calls) => {
    expect(calls).toEqual([[{ id: 1, name: 'Ada' }]])
  },
  'adaptive-caching': (calls) => {
    expect(calls).toEqual([[42], [{ key: 'quote:A' }, { key: 'quote:B' }]])
  },
  fastify: (calls) => {
    expect(calls).toEqual([[{ id: 7 }], [true]])
  },
  sentinel: (calls) => {
    expect(calls).toEqual([[{ name: 'Ada' }]])
  },
  tls: (calls) => {
    expect(calls).toEqual([['hot tier over TLS ready:', true]])
  },
  prometheus: (calls) => {
    expect(String(calls[0]?.[0])).toMatch(
      /tiercache_tier_hits_total\{cache="shop",pod="api-1",tier="memory"\} 0/,
    )
    expect(String(calls[0]?.[0])).toMatch(/tiercache_loads_total\{cache="shop",pod="api-1"\} 1/)
  },
}

let redis: RedisServer
let cluster: RedisCluster | undefined
let sentinel: RedisSentinelSetup | undefined
let tls: { server: RedisServer; certificates: TestCertificates } | undefined
beforeAll(async () => {
  // A TLS-only server and its CA only when an example needs them (REDIS_TLS_URL, REDIS_CA_FILE).
  if (examples.some((example) => example.code.includes('REDIS_TLS_URL'))) {
    const certificates = makeCertificates('localhost', { withLoopbackAddress: true })
    const server = await startTlsRedis(certificates)
    tls = { server, certificates }
    process.env.REDIS_TLS_URL = server.tlsUrl
    process.env.REDIS_CA_FILE = certificates.caFile
  }
  // A master, replica and sentinel only when an example needs them (REDIS_SENTINEL_PORT).
  if (examples.some((example) => example.code.includes('REDIS_SENTINEL_PORT'))) {
    sentinel = await startRedisSentinel('mymaster')
    process.env.REDIS_SENTINEL_PORT = String(sentinel.sentinel.port)
  }
  // A cluster only when an example needs one (REDIS_CLUSTER_NODES).
  if (examples.some((example) => example.code.includes('REDIS_CLUSTER_NODES'))) {
    cluster = await startRedisCluster({ masters: 3 })
    process.env.REDIS_CLUSTER_NODES = cluster.rootNodes.join(',')
  }
  redis = await startRedis()
  process.env.REDIS_URL = redis.url
  process.env.REDIS_HOT_URL = redis.url
  process.env.REDIS_WARM_URL = redis.url
  mkdirSync(directory, { recursive: true })
})
afterAll(async () => {
  await Promise.all([redis?.stop(), cluster?.stop(), tls?.server.stop(), sentinel?.stop()])
  tls?.certificates.remove()
})

test('the README and docs have runnable examples, and each one is checked', () => {
  expect(examples.map((example) => example.name)).toEqual(expect.arrayContaining(['quick-start', 'hot-warm']))
  expect(Object.keys(printed).sort()).toEqual(examples.map((example) => example.name).sort())
})

test('every code block in the README and docs is a marked ```ts example, so one of the example tests runs it', () => {
  const root = new URL('../../', import.meta.url).pathname
  const unrun = allPages.flatMap((page) =>
    codeBlocksNotRun(readFileSync(page, 'utf8'), path.relative(root, page.pathname)),
  )
  expect(unrun).toEqual([])
})

test.each(examples)('example "$name" runs as written and prints what it says', async ({ name, code }) => {
  const file = path.join(directory, `${name}.ts`)
  writeFileSync(file, `${code}\nexport {}\n`)
  const commands = await watchCommands(redis)
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined)
  let calls: unknown[][]
  try {
    await import(file)
    calls = log.mock.calls.map((call) => [...call])
  } finally {
    log.mockRestore()
    await commands.stop()
  }
  printed[name]?.(calls)
  if (name === 'quick-start') {
    // "loader, then both tiers filled": the loaded value reached Redis before the set replaced it.
    const writes = commands.lines.filter((line) => line.includes('"redis:quickstart:user:1"'))
    const fill = writes.findIndex((line) => line.includes('Ada Lovelace'))
    const set = writes.findIndex((line) => line.includes('Ada King'))
    expect(fill).toBeGreaterThanOrEqual(0)
    expect(set).toBeGreaterThan(fill)
  }
})

/** Every command the server runs meanwhile (MONITOR), as the lines it prints. */
async function watchCommands(server: RedisServer) {
  const client = createClient({ url: server.url })
  client.on('error', () => undefined)
  await client.connect()
  const lines: string[] = []
  await client.monitor((line) => lines.push(String(line)))
  return {
    lines,
    stop: () => client.destroy(),
  }
}

/**
 * The fenced blocks of a page that no example test runs, as `page:line language`: every block must
 * name its language, and a block of code (anything but shell, output or configuration) must be a
 * ```ts block right after an `<!-- example: name -->` marker, which is what the example tests run.
 */
function codeBlocksNotRun(text: string, page: string): string[] {
  const lines = text.split('\n')
  const unrun: string[] = []
  let open = false
  for (const [index, line] of lines.entries()) {
    const fence = /^```(\S*)/.exec(line)
    if (!fence) continue
    if (open) {
      open = false
      continue
    }
    open = true
    const language = fence[1] ?? ''
    if (NOT_CODE.has(language)) continue
    const previous = lines
      .slice(0, index)
      .reverse()
      .find((candidate) => candidate.trim() !== '')
    const marked = /^<!-- example: [\w-]+ -->$/.test(previous?.trim() ?? '')
    if (language !== 'ts' || !marked) unrun.push(`${page}:${index + 1} ${language || '(no language)'}`)
  }
  return unrun
}
