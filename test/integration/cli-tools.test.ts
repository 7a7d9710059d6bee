import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { PRESETS } from '../../src/cli/redis/presets.js'
import { createCache, memoryTier, redisTier, type TierCache } from '../../src/index.js'
import { runCli } from '../support/cli.js'
import { type RedisServer, startRedis } from '../support/redis-server.js'
import { waitFor } from '../support/wait.js'

/** The tiercache command, run as a real process against real Redis servers configured as hot and warm. */
let hot: RedisServer
let warm: RedisServer
let misconfigured: RedisServer
let app: TierCache
let tiers: string[]

beforeAll(async () => {
  const [hotPreset, warmPreset] = PRESETS['hot-warm']
  ;[hot, warm, misconfigured] = await Promise.all([
    startRedis({ args: [...hotPreset.args] }),
    startRedis({ args: [...warmPreset.args] }),
    // A "warm" tier without persistence and with noeviction: what the audit must flag.
    startRedis({ args: ['--maxmemory-policy', 'noeviction'] }),
  ])
  tiers = ['--tier', `hot=${hot.url}`, '--tier', `warm=${warm.url}`, '-n', 'clitest']
  // An application process: memory tier over the same tiers, listening on the invalidation bus.
  app = createCache({
    namespace: 'clitest',
    tiers: [
      memoryTier(),
      redisTier({ name: 'hot', url: hot.url, ttl: '30m' }),
      redisTier({ name: 'warm', url: warm.url, ttl: '24h', compress: true }),
    ],
  })
  await app.ready({ timeout: '10s' })
})

afterAll(async () => {
  await app?.close()
  await Promise.all([hot?.stop(), warm?.stop(), misconfigured?.stop()])
})

describe.concurrent('help and usage errors', () => {
  test.each([
    [[]],
    [['--help']],
    [['demo', '--help']],
    [['redis', 'up', '--help']],
    [['audit', '--help']],
    [['inspect', '--help']],
    [['invalidate', '--help']],
    [['stats', '--help']],
  ])('tiercache %j prints usage', async (args) => {
    const result = await runCli(args)
    expect(result.stdout).toMatch(/Usage: tiercache/)
    expect(result.code).toBe(args.length === 0 ? 2 : 0)
  })

  test.each([
    [['frobnicate'], /unknown command "frobnicate"/],
    [['demo', '--instances', 'many'], /--instances must be an integer/],
    [['demo', '--skew', '1.5'], /--skew must be a number from 0 to 1/],
    [['demo', '--duration', 'soon'], /--duration "soon" is not a duration/],
    [['redis', 'up', '--preset', 'triple'], /--preset must be hot-warm or app-redis/],
    [['audit', '--tier', 'hot'], /--tier takes NAME=VALUE/],
    [['audit', '--tier', 'hot=http://x'], /must start with redis:\/\//],
    [['inspect'], /inspect needs a <key>/],
    [['invalidate', '--tier', 'hot=redis://127.0.0.1:1'], /at least one --key or --tag/],
    [['stats', '--metrics', 'localhost:9'], /--metrics must be an http:\/\/ URL/],
    [['audit', '--no-such-flag'], /Unknown option '--no-such-flag'/],
  ])('tiercache %j exits 2 with a clear message', async (args, message) => {
    const result = await runCli(args, { REDIS_HOT_URL: '', REDIS_WARM_URL: '', REDIS_URL: '' })
    expect(result.stderr).toMatch(message)
    expect(result.code).toBe(2)
  })

  test('commands that need tiers say how to name them', async () => {
    const result = await runCli(['audit'], { REDIS_HOT_URL: '', REDIS_WARM_URL: '', REDIS_URL: '' })
    expect(result.stderr).toMatch(/pass --tier hot=redis:\/\/127\.0\.0\.1:6379/)
    expect(result.code).toBe(2)
  })

  test.each([['audit'], ['inspect', 'k'], ['invalidate', '--key', 'k'], ['stats']])(
    'tiercache %s against an unreachable server exits 1 naming it',
    async (...args) => {
      const result = await runCli([...args, '--tier', 'hot=redis://127.0.0.1:1'])
      expect(result.stderr).toMatch(/cannot reach tier "hot" at redis:\/\/127\.0\.0\.1:1/)
      expect(result.code).toBe(1)
    },
  )
})

describe('audit', () => {
  test('tiers configured for their roles pass', async () => {
    const result = await runCli(['audit', ...tiers])
    expect(result.stdout).toMatch(/hot .*role hot.*allkeys-lfu.*persistence none\n {2}ok: fits its role/)
    expect(result.stdout).toMatch(/warm .*role warm.*volatile-lru.*persistence AOF\n {2}ok: fits its role/)
    expect(result.code).toBe(0)
  })

  test('a warm tier without persistence and with noeviction is flagged (exit 1), also as JSON', async () => {
    const args = ['audit', '--tier', `hot=${hot.url}`, '--tier', `warm=${misconfigured.url}`]
    const result = await runCli(args)
    expect(result.stdout).toMatch(/warning: tier "warm" is a warm cache without persistence/)
    expect(result.stdout).toMatch(/warning: tier "warm" is a warm cache evicting with noeviction/)
    expect(result.code).toBe(1)
    const json = await runCli([...args, '--json'])
    const reports = JSON.parse(json.stdout) as { tier: string; findings: { setting: string }[] }[]
    expect(reports.find((r) => r.tier === 'warm')?.findings.map((f) => f.setting)).toEqual(
      expect.arrayContaining(['persistence', 'maxmemory-policy']),
    )
  })

  test('--role names the role of a tier with another name', async () => {
    const result = await runCli(['audit', '--tier', `l2=${misconfigured.url}`, '--role', 'l2=hot'])
    expect(result.stdout).toMatch(/l2 .*role hot/)
    expect(result.stdout).toMatch(/warning: tier "l2" is a hot cache but evicts with noeviction/)
  })
})

describe('inspect', () => {
  test('shows which tiers hold a key, TTL, size, envelope and value', async () => {
    await app.set('product:1', { id: 1, name: 'Desk lamp', price: 2999 }, { tags: ['category:3'] })
    const result = await runCli(['inspect', 'product:1', ...tiers])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/hot {4}hot:clitest:product:1 {2}held, TTL left (29m \d+s|30m 0s), \d+ B/)
    expect(result.stdout).toMatch(/warm {3}warm:clitest:product:1 {2}held, TTL left 2\dh/)
    expect(result.stdout).toMatch(/version \d+, created 20\d\d-.*fresh for .* more, tags category:3/)
    expect(result.stdout).toMatch(/value: \{ id: 1, name: 'Desk lamp', price: 2999 \}/)
    expect(result.stdout).toMatch(/memory tiers live inside each application process/)

    const json = JSON.parse((await runCli(['inspect', 'product:1', ...tiers, '--json'])).stdout)
    expect(json.tiers.map((tier: { held: boolean }) => tier.held)).toEqual([true, true])
    expect(json.tiers[0].value).toEqual({ id: 1, name: 'Desk lamp', price: 2999 })
  })

  test('reports compression, tombstones and absent keys', async () => {
    await app.set('big', 'x'.repeat(20_000))
    const big = await runCli(['inspect', 'big', ...tiers])
    expect(big.stdout).toMatch(/warm:clitest:big {2}held, .*\(value compressed from 19\.\d KiB\)/)
    expect(big.stdout).toMatch(/value: 'x{120}'\.\.\. 19880 more characters/)
    await app.delete('big')
    expect((await runCli(['inspect', 'big', ...tiers])).stdout).toMatch(/tombstone \(deleted; remembered/)
    const absent = await runCli(['inspect', 'nothing-here', ...tiers])
    expect(absent.stdout).toMatch(/hot:clitest:nothing-here {2}not held[\s\S]*not held by any Redis tier/)
    expect(absent.code).toBe(0)
  })

  test('bytes that are not an entry are reported, not thrown', async () => {
    await hot.command('SET', 'hot:clitest:garbage', 'a plain string written by another program')
    const result = await runCli(['inspect', 'garbage', ...tiers])
    expect(result.stdout).toMatch(/not a readable tiercache entry: .*bad magic byte/)
    expect(result.code).toBe(0)
  })
})

describe('invalidate', () => {
  test('--key removes the key from every tier and from other processes’ memory tiers', async () => {
    await app.getOrLoad('product:2', async () => ({ id: 2 }))
    await app.idle()
    const invalidated: string[] = []
    app.on('invalidated', ({ keys }) => invalidated.push(...keys))
    const result = await runCli(['invalidate', '--key', 'product:2', ...tiers])
    expect(result.stdout).toMatch(/deleted product:2 from hot, warm/)
    expect(result.code).toBe(0)
    await waitFor(() => invalidated.includes('product:2'), { what: 'the bus message in the app process' })
    expect(await app.get('product:2')).toBeUndefined()
    expect(await hot.command('GET', 'hot:clitest:product:2')).not.toBeNull() // a tombstone, not the value
  })

  test('--tag makes tagged entries misses everywhere', async () => {
    let loads = 0
    const listing = () => app.getOrLoad('category:9:products', async () => ++loads, { tags: ['category:9'] })
    expect(await listing()).toBe(1)
    expect(await listing()).toBe(1)
    const result = await runCli(['invalidate', '--tag', 'category:9', ...tiers])
    expect(result.stdout).toMatch(/invalidated tag category:9 \(coordinated by hot\)/)
    await waitFor(async () => (await listing()) === 2, { what: 'the listing to be loaded again' })
  })
})

describe('stats from Redis', () => {
  test('prints memory, keys and hit ratio per tier', async () => {
    const result = await runCli(['stats', ...tiers])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^tier\s+used memory\s+maxmemory\s+keys/m)
    expect(result.stdout).toMatch(/^hot\s+[\d.]+ (MiB|KiB)\s+64\.0 MiB\s+\d+/m)
    expect(result.stdout).toMatch(/^warm\s+[\d.]+ (MiB|KiB)\s+256\.0 MiB/m)
  })
})
