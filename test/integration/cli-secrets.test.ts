import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { CacheEventMap } from '../../src/entries/diagnostics.js'
import { geoTopology } from '../../src/entries/geo.js'
import { createCache, InvalidOptionError, memoryTier, redisTier, type TierCache } from '../../src/index.js'
import { runCli } from '../support/cli.js'
import { type RedisServer, startRedis } from '../support/redis-server.js'
import { waitFor } from '../support/wait.js'

/**
 * A password in a tier's URL never reaches anything a person or a log reads: CLI output (success and
 * every error), error messages, events and stats. Each check collects text; the last test greps it all.
 */

// Holds an @ so the URL carries it percent-encoded: both spellings must stay hidden.
const PASSWORD = 'tc-Secret@4711'
const ENCODED = encodeURIComponent(PASSWORD)
const WRONG_PASSWORD = 'tc-Wrong-0815'
const DEFAULT_USER_PASSWORD = 'tc-Default-2323'
const unreachableUrl = `redis://app:${ENCODED}@127.0.0.1:1`
const noEnvironment = { REDIS_HOT_URL: '', REDIS_WARM_URL: '', REDIS_URL: '' }

let server: RedisServer
let url: string
const collected: { what: string; text: string }[] = []

function collect(what: string, text: string): void {
  collected.push({ what, text })
}

async function cli(args: string[], env: Record<string, string> = noEnvironment) {
  const result = await runCli(args, env)
  collect(`tiercache ${args.join(' ')}`, `${result.stdout}\n${result.stderr}`)
  return result
}

beforeAll(async () => {
  server = await startRedis()
  // An ACL user for the application, and a password on the default user: no unauthenticated access.
  await server.command('ACL', 'SETUSER', 'app', 'on', `>${PASSWORD}`, '~*', '&*', '+@all')
  await server.command('CONFIG', 'SET', 'requirepass', DEFAULT_USER_PASSWORD)
  url = `redis://app:${ENCODED}@127.0.0.1:${server.port}`
})

afterAll(async () => {
  await server?.stop()
})

test('the CLI works with a password in the URL and prints the URL without it', {
  timeout: 120_000,
}, async () => {
  const tier = ['--tier', `hot=${url}`, '-n', 'secrets']
  const audit = await cli(['audit', ...tier])
  expect(audit.stdout).toContain(`hot (redis://app:***@127.0.0.1:${server.port}, role hot)`)
  await cli(['audit', ...tier, '--json'])
  expect((await cli(['invalidate', ...tier, '--key', 'k', '--tag', 't'])).code).toBe(0)
  const inspected = await cli(['inspect', 'k', ...tier])
  expect(inspected.stdout).toMatch(/hot {4}hot:secrets:k {2}(held|not held)/)
  await cli(['inspect', 'k', ...tier, '--json'])
  expect((await cli(['stats', ...tier])).stdout).toMatch(/^hot /m)
  const fromEnvironment = await cli(['audit'], { ...noEnvironment, REDIS_URL: url })
  expect(fromEnvironment.stdout).toContain('redis://app:***@')
})

const COMMANDS = [['audit'], ['inspect', 'k'], ['stats'], ['invalidate', '--key', 'k']]

// Each case is its own CLI process: run them side by side, with room for a busy machine.
describe.concurrent('CLI errors name the URL without its password', () => {
  test.each(COMMANDS)('%s: an unreachable server', { timeout: 60_000 }, async (...command) => {
    const result = await cli([...command, '--tier', `hot=${unreachableUrl}`])
    expect(result.stderr).toContain('cannot reach tier "hot" at redis://app:***@127.0.0.1:1')
    expect(result.code).toBe(1)
  })

  test.each(COMMANDS)('%s: a wrong password', { timeout: 60_000 }, async (...command) => {
    const wrong = `redis://app:${WRONG_PASSWORD}@127.0.0.1:${server.port}`
    const result = await cli([...command, '--tier', `hot=${wrong}`])
    expect(result.stderr).toMatch(
      /cannot reach tier "hot" at redis:\/\/app:\*\*\*@127\.0\.0\.1:\d+: .*WRONGPASS/,
    )
    expect(result.code).toBe(1)
  })

  test.each([
    [['audit', '--tier', `hot=http://app:${ENCODED}@127.0.0.1:1`]],
    [['audit', '--tier', `hot=redis://app:${ENCODED}@127.0.0.1:port`]],
    [['audit', '--tier', `redis://app:${ENCODED}@127.0.0.1:1`]],
    [['audit', `redis://app:${ENCODED}@127.0.0.1:1`]],
    [['inspect', 'k', `redis://app:${ENCODED}@127.0.0.1:1`]],
    [['stats', '--metrics', `ftp://app:${ENCODED}@127.0.0.1:1/metrics`]],
  ])('usage error %#', { timeout: 60_000 }, async (args) => {
    const result = await cli(args)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('app:***@127.0.0.1')
  })

  test('an unreachable metrics endpoint', { timeout: 60_000 }, async () => {
    const result = await cli(['stats', '--metrics', `http://app:${ENCODED}@127.0.0.1:1/metrics`])
    expect(result.stderr).toContain('cannot read metrics from http://app:***@127.0.0.1:1/metrics')
  })
})

test('redisTier and geoTopology reject a bad URL with a typed error that does not hold its password', () => {
  const bad: [string, () => unknown][] = [
    ['http url', () => redisTier({ url: `http://app:${ENCODED}@127.0.0.1:1` })],
    ['unparsable url', () => redisTier({ url: `redis://app:${ENCODED}@127.0.0.1:port` })],
    ['raw @ in the password', () => redisTier({ url: `redis://app:${PASSWORD}@127.0.0.1:1/x` })],
    ['tls without rediss', () => redisTier({ url: `redis://app:${ENCODED}@127.0.0.1:1`, tls: {} })],
    ['cluster node', () => redisTier({ cluster: { rootNodes: [`http://app:${ENCODED}@127.0.0.1:1`] } })],
    [
      'geo level',
      () =>
        geoTopology({
          global: { url: `http://app:${ENCODED}@127.0.0.1:1` },
          regions: [{ name: 'eu', redis: { url: 'redis://127.0.0.1:1' } }],
          dataCenters: [{ name: 'eu-west', region: 'eu', redis: { url: 'redis://127.0.0.1:1' } }],
        }),
    ],
  ]
  for (const [what, make] of bad) {
    let thrown: unknown
    try {
      make()
    } catch (error) {
      thrown = error
    }
    expect(thrown, what).toBeInstanceOf(InvalidOptionError)
    expect((thrown as Error).message, what).toMatch(/\*\*\*@127\.0\.0\.1/)
    collect(`redisTier: ${what}`, `${(thrown as Error).message}\n${inspect(thrown)}`)
  }
})

test('events and stats of a cache whose Redis refuses it, then goes away, hold no password', async () => {
  const cache: TierCache = createCache({
    namespace: 'secrets',
    tiers: [
      memoryTier(),
      redisTier({ name: 'hot', url, role: 'hot', timeout: '2s' }),
      redisTier({ name: 'refused', url: `redis://app:${WRONG_PASSWORD}@127.0.0.1:${server.port}` }),
      redisTier({ name: 'absent', url: unreachableUrl }),
    ],
  })
  const events: unknown[] = []
  for (const name of ['tierError', 'tierState', 'audit', 'syncState', 'load'] as (keyof CacheEventMap)[])
    cache.on(name, (...args: unknown[]) => events.push({ name, args }))
  try {
    const hotState = () => cache.stats().tiers.find((tier) => tier.name === 'hot')?.state
    await waitFor(() => hotState() === 'up', {
      timeoutMs: 10_000,
      what: 'the hot tier to connect with its password',
    })
    expect(await cache.getOrLoad('k', async () => 'value')).toBe('value')
    collect('audit', inspect(await cache.audit(), { depth: 10 }))
    await waitFor(() => events.some((event) => inspect(event).includes('WRONGPASS')), {
      timeoutMs: 10_000,
      what: 'the refused tier to report its error',
    })
    collect('stats while connected', JSON.stringify(cache.stats()))
    await server.kill9()
    await waitFor(
      async () => {
        await cache.getOrLoad(`after-${events.length}`, async () => 'value')
        return hotState() !== 'up'
      },
      { timeoutMs: 10_000, what: 'the hot tier to notice its server is gone' },
    )
    collect(
      'stats after the server died',
      `${JSON.stringify(cache.stats())}\n${inspect(cache.stats(), { depth: 10 })}`,
    )
  } finally {
    await cache.close()
    collect('events', events.map((event) => inspect(event, { depth: 10, showHidden: true })).join('\n'))
  }
})

test('no collected text holds a password', () => {
  expect(collected.length).toBeGreaterThan(20)
  for (const { what, text } of collected) {
    for (const secret of [PASSWORD, ENCODED, WRONG_PASSWORD, DEFAULT_USER_PASSWORD])
      expect(text.includes(secret), `${what} printed a password:\n${text}`).toBe(false)
  }
})
