import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createCache, redisTier, type TierCache } from '../../src/index.js'
import { runCli } from '../support/cli.js'
import { type RedisServer, startRedis } from '../support/redis-server.js'

/**
 * What the CLI prints from Redis (tags, values, keys) or from a metrics endpoint reaches the terminal
 * without control characters: an ESC sequence in a tag must not recolour the screen, retitle the window
 * (OSC … BEL) or hide text, it is shown as \x1b.
 */

/** Every character a terminal could act on; newlines are the CLI's own. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the test
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/
const HOSTILE = '\u001b]0;owned\u0007\u001b[2J\u009b31m\u202eevil\b'

let server: RedisServer
let app: TierCache
let tiers: string[]

beforeAll(async () => {
  server = await startRedis()
  tiers = ['--tier', `hot=${server.url}`, '-n', 'ctl']
  app = createCache({ namespace: 'ctl', tiers: [redisTier({ name: 'hot', url: server.url })] })
  await app.ready({ timeout: '10s' })
  await app.set(
    `product:${HOSTILE}`,
    { [`name${HOSTILE}`]: `lamp${HOSTILE}`, nested: new Map([[`k${HOSTILE}`, [HOSTILE]]]) },
    { tags: [`tag${HOSTILE}`, 'plain'] },
  )
})

afterAll(async () => {
  await app?.close()
  await server?.stop()
})

test('inspect escapes control characters in the key, tags and value preview', async () => {
  for (const extra of [[], ['--full']]) {
    const result = await runCli(['inspect', `product:${HOSTILE}`, ...tiers, ...extra])
    expect(result.code).toBe(0)
    expect(result.stdout).not.toMatch(RAW_CONTROL)
    expect(result.stdout).toContain('tags tag\\x1b]0;owned\\x07\\x1b[2J\\x9b31m\\u202eevil\\x08, plain')
    expect(result.stdout).toMatch(/held, /)
  }
})

test('inspect --json stays valid JSON that holds the same strings, with no raw control characters', async () => {
  const result = await runCli(['inspect', `product:${HOSTILE}`, ...tiers, '--json'])
  expect(result.stdout).not.toMatch(RAW_CONTROL)
  const parsed = JSON.parse(result.stdout) as { key: string; tiers: { tags: string[] }[] }
  expect(parsed.key).toBe(`product:${HOSTILE}`)
  expect(parsed.tiers[0]?.tags).toEqual([`tag${HOSTILE}`, 'plain'])
})

test('stats escapes control characters in labels read from a metrics endpoint', async () => {
  const tier = `hot${HOSTILE}`.replaceAll('\\', '\\\\')
  const metrics: Server = createServer((_request, response) => {
    response.end(
      [
        `tiercache_tier_hits_total{cache="ctl",tier="${tier}"} 3`,
        `tiercache_tier_misses_total{cache="ctl",tier="${tier}"} 1`,
      ].join('\n'),
    )
  })
  await new Promise<void>((resolve) => metrics.listen(0, '127.0.0.1', resolve))
  try {
    const { port } = metrics.address() as AddressInfo
    const result = await runCli(['stats', '--metrics', `http://127.0.0.1:${port}/metrics`])
    expect(result.code).toBe(0)
    expect(result.stdout).not.toMatch(RAW_CONTROL)
    expect(result.stdout).toContain('hot\\x1b]0;owned\\x07')
  } finally {
    await new Promise((resolve) => metrics.close(resolve))
  }
})
