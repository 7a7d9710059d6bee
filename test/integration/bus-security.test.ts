import { createHmac } from 'node:crypto'
import { inspect } from 'node:util'
import { Registry } from 'prom-client'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { parsePrometheusText } from '../../src/cli/metrics-text.js'
import { prometheusMetrics } from '../../src/entries/prometheus.js'
import { type CacheOptions, createCache, memoryTier, redisTier, type TierCache } from '../../src/index.js'
import { closeClients, expectWritesToReach, nodeRedis, servedBy } from '../support/fixtures.js'
import { type RedisServer, startRedis } from '../support/redis-server.js'
import { waitFor } from '../support/wait.js'

/**
 * Bus messages are untrusted: anyone who can PUBLISH on the Redis can put bytes on the cache's channel.
 * These tests publish forged messages with a raw client, as such a party would.
 */
let server: RedisServer
const caches: TierCache[] = []
const NAMESPACE = 'sec'
/** The bus channel of namespace `sec` on a tier named `hot`: `<prefix><namespace>#bus`. */
const CHANNEL = `hot:${NAMESPACE}#bus`
const SECRET = 'a shared secret of enough bytes'

beforeAll(async () => {
  server = await startRedis()
}, 30_000)
afterEach(async () => {
  await Promise.all(caches.splice(0).map((cache) => cache.close()))
  await closeClients()
  await server.command('FLUSHALL')
})
afterAll(async () => {
  await server?.stop()
})

/** One "process": its own memory tier over the shared Redis. */
async function instance(sync: CacheOptions['sync'] = {}): Promise<TierCache> {
  const cache = createCache({
    namespace: NAMESPACE,
    tiers: [memoryTier({ ttl: '1h' }), redisTier({ name: 'hot', client: await nodeRedis(server) })],
    sync,
  })
  caches.push(cache)
  expect(await cache.ready()).toBe(true)
  return cache
}

/** Publishes raw bytes on the cache's channel, as anyone with access to the Redis can. */
async function forge(...bodies: (string | Buffer)[]): Promise<void> {
  const publisher = await nodeRedis(server)
  for (const body of bodies) await publisher.publish(CHANNEL, body)
}

let markers = 0
/**
 * Waits until `reader` has handled everything published so far: `writer` sets a new key, and pub/sub
 * delivers in order, so once `reader` applied that invalidation it had seen every earlier message.
 */
async function drained(reader: TierCache, writer: TierCache): Promise<void> {
  const marker = `marker:${++markers}`
  let seen = false
  const listener = ({ keys }: { keys: readonly string[] }) => {
    if (keys.includes(marker)) seen = true
  }
  reader.on('invalidated', listener)
  try {
    await writer.set(marker, 1)
    await waitFor(() => seen, { what: `${marker} to reach the reader` })
  } finally {
    reader.off('invalidated', listener)
  }
}

/** A loader counting its calls, returning the call number. */
function countingLoader() {
  const loader = Object.assign(() => ({ n: ++loader.calls }), { calls: 0 })
  return loader
}

describe('forged tag versions (no secret)', () => {
  test('a forged version (1e300, 1e999, 2^53-1) neither stops caching of the tag nor outlasts a real invalidateTags', async () => {
    const [a, b] = await Promise.all([instance(), instance()])
    const load = countingLoader()
    const read = () => a.getOrLoad('list', load, { tags: ['cat'] })
    await read()
    await a.idle()
    await forge(
      '{"o":"forger","s":1,"t":[["cat",1e300]]}',
      '{"o":"forger","s":2,"t":[["cat",1e999]]}',
      `{"o":"forger","s":3,"t":[["cat",${Number.MAX_SAFE_INTEGER}]]}`,
    )
    await drained(a, b)
    for (let i = 0; i < 3; i++) await read()
    expect(load.calls).toBe(1)
    expect(await servedBy(a, read)).toMatchObject({ source: 'memory', value: { n: 1 } })

    // A real invalidation still reaches a, and the tag is cached again after one load.
    await b.invalidateTags(['cat'])
    await waitFor(async () => (await read()).n === 2, { what: 'a to load the invalidated list again' })
    await a.idle()
    for (let i = 0; i < 3; i++) await read()
    expect(load.calls).toBe(2)
    expect(await servedBy(a, read)).toMatchObject({ source: 'memory', value: { n: 2 } })
  })

  test('a forged key version keeps that key out of the memory tier for tombstoneTtl at most', async () => {
    const make = async () => {
      const cache = createCache({
        namespace: NAMESPACE,
        tombstoneTtl: '300ms',
        tiers: [memoryTier({ ttl: '1h' }), redisTier({ name: 'hot', client: await nodeRedis(server) })],
      })
      caches.push(cache)
      expect(await cache.ready()).toBe(true)
      return cache
    }
    const [a, b] = await Promise.all([make(), make()])
    await a.set('k', 'v')
    await forge(`{"o":"forger","s":1,"k":[["k",${Number.MAX_SAFE_INTEGER}]]}`)
    await drained(a, b)
    expect(await servedBy(a, () => a.get('k'))).toEqual({ source: 'hot', value: 'v' })
    await waitFor(async () => (await servedBy(a, () => a.get('k'))).source === 'memory', {
      what: 'k to be cached in memory again',
    })
  })

  test('messages of the wrong shape are dropped and counted as malformed', async () => {
    const [a, b] = await Promise.all([instance(), instance()])
    await a.set('k', 'kept')
    await forge(
      'not json',
      '{"o":"forger","s":1,"k":[["k",-1]]}',
      '{"o":"forger","s":2,"k":[["k",1.5]]}',
      '{"o":"forger","s":3,"k":[["k"]]}',
      '{"o":"forger","s":0,"k":[["k",1]]}',
      '{"o":"forger","s":4,"c":true}',
      `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
    )
    await drained(a, b)
    expect(a.stats().bus).toMatchObject({ malformed: 7, oversized: 0 })
    expect(await servedBy(a, () => a.get('k'))).toEqual({ source: 'memory', value: 'kept' })
  })
})

describe('message size bounds', () => {
  test('a 2 MB message of 160,000 keys is dropped and counted, not applied', async () => {
    const [a, b] = await Promise.all([instance(), instance()])
    await a.set('k0', 'kept')
    const keys = Array.from({ length: 160_000 }, (_, i) => [`k${i}`, 1])
    const body = JSON.stringify({ o: 'forger', s: 1, k: keys })
    expect(body.length).toBeGreaterThan(2_000_000)
    await forge(body)
    await drained(a, b)
    expect(a.stats().bus).toMatchObject({ oversized: 1 })
    expect(await servedBy(a, () => a.get('k0'))).toEqual({ source: 'memory', value: 'kept' })
  })

  test('a message of more items than maxMessageItems is dropped like one over maxMessageBytes', async () => {
    const [a, b] = await Promise.all([instance({ bus: { maxMessageItems: 10 } }), instance()])
    await a.set('k0', 'kept')
    const keys = Array.from({ length: 11 }, (_, i) => [`k${i}`, 1])
    await forge(JSON.stringify({ o: 'forger', s: 1, k: keys }))
    await drained(a, b)
    expect(a.stats().bus).toMatchObject({ oversized: 1 })
    expect(await servedBy(a, () => a.get('k0'))).toEqual({ source: 'memory', value: 'kept' })
  })

  test('a dropped message counts as lost: the next message of its sender drops the memory tier', async () => {
    const [a, b] = await Promise.all([instance(), instance()])
    await a.set('k0', 'kept')
    const oversized = JSON.stringify({ o: 'peer', s: 2, k: [['x'.repeat(2 * 1024 * 1024), 1]] })
    await forge('{"o":"peer","s":1,"h":1}', oversized, '{"o":"peer","s":3,"h":1}')
    await drained(a, b)
    expect(a.stats().bus).toMatchObject({ oversized: 1 })
    expect(await servedBy(a, () => a.get('k0'))).toEqual({ source: 'hot', value: 'kept' })
  })

  test('big batches are split so that no message exceeds maxMessageBytes, and all of them arrive', async () => {
    const limits = { maxMessageBytes: 8192 }
    const [a, b] = await Promise.all([instance({ bus: limits }), instance({ bus: limits })])
    const listener = await nodeRedis(server)
    const sizes: number[] = []
    // Published after the deletes: pub/sub keeps one connection's messages in order, so once the
    // subscriber has it, it has every message of the batch (a may hear them all before it does).
    const marker = `marker-${Date.now()}`
    let markerSeen = false
    const subscriber = listener.duplicate()
    await subscriber.connect()
    try {
      await subscriber.subscribe(
        CHANNEL,
        (message) => {
          if (message.toString() === marker) markerSeen = true
          else sizes.push(message.length)
        },
        true,
      )
      const invalidated = new Set<string>()
      a.on('invalidated', ({ keys }) => {
        for (const key of keys) invalidated.add(key)
      })
      const keys = Array.from({ length: 100 }, (_, i) => `product:${i}:${'x'.repeat(300)}`)
      await b.deleteMany(keys)
      await waitFor(() => invalidated.size === keys.length, { what: 'every delete to reach a' })
      expect(a.stats().bus).toMatchObject({ malformed: 0, oversized: 0 })
      await listener.publish(CHANNEL, marker) // malformed to a and b: checked above
      await waitFor(() => markerSeen, { what: 'the subscriber to hear every message of the batch' })
      expect(Math.max(...sizes)).toBeLessThanOrEqual(8192)
      expect(sizes.length).toBeGreaterThan(3)
    } finally {
      await subscriber.close()
    }
  })

  test.each([
    { maxMessageBytes: 0 },
    { maxMessageBytes: 1.5 },
    { maxMessageBytes: '1mb' },
    { maxMessageItems: 0 },
    { maxMessageItems: Number.NaN },
    { secret: 'short' },
    { secret: '' },
    { secret: 42 },
    { secret: [] },
    { secret: ['a secret of enough bytes', 'short'] },
  ])('bus option %o is refused with ERR_INVALID_OPTION before any I/O', (bus) => {
    expect(() =>
      createCache({
        tiers: [memoryTier(), redisTier({ name: 'hot', url: 'redis://127.0.0.1:1' })],
        sync: { bus: bus as never },
      }),
    ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }))
  })
})

describe('with a bus secret', () => {
  const sign = (secret: string, json: string) =>
    `${createHmac('sha256', secret).update(`${CHANNEL}\n${json}`).digest('base64url')}.${json}`

  test('forged messages change nothing and are counted; real invalidations still pass', async () => {
    const [a, b] = await Promise.all([
      instance({ bus: { secret: SECRET } }),
      instance({ bus: { secret: SECRET } }),
    ])
    const load = countingLoader()
    const read = () => a.getOrLoad('list', load, { tags: ['cat'] })
    await read()
    await a.set('k', 'kept')
    await a.idle()
    await forge(
      '{"o":"forger","s":1,"c":1}',
      '{"o":"forger","s":2,"k":[["k",9000000000000000]]}',
      '{"o":"forger","s":3,"t":[["cat",9000000000000000]]}',
      '{"o":"forger","s":9,"h":1}',
      `${'A'.repeat(43)}.{"o":"forger","s":10,"c":1}`,
      sign('another secret of enough bytes', '{"o":"forger","s":11,"c":1}'),
    )
    await drained(a, b)
    expect(a.stats().bus).toMatchObject({ unauthenticated: 6 })
    const registry = new Registry()
    const metrics = prometheusMetrics(a, { registry })
    const samples = parsePrometheusText(await registry.metrics())
    metrics.stop()
    const dropped = samples.find(
      (sample) =>
        sample.name === 'tiercache_bus_messages_dropped_total' && sample.labels.reason === 'unauthenticated',
    )
    expect(dropped?.value).toBe(6)
    expect(await servedBy(a, () => a.get('k'))).toEqual({ source: 'memory', value: 'kept' })
    expect(await servedBy(a, read)).toMatchObject({ source: 'memory', value: { n: 1 } })
    expect(load.calls).toBe(1)
    await expectWritesToReach(b, a, 'hot')
  })

  test('the secret is held as a KeyObject: inspecting the cache or its options shows no byte of it', async () => {
    const a = await instance({ bus: { secret: SECRET } })
    expect(inspect(a, { depth: 20, showHidden: true })).not.toContain(SECRET)
    expect(inspect(a, { depth: 20, showHidden: true })).not.toContain(Buffer.from(SECRET).toString('hex'))
  })

  test('a signed message replayed is dropped and counted', async () => {
    const [a, b] = await Promise.all([
      instance({ bus: { secret: SECRET } }),
      instance({ bus: { secret: SECRET } }),
    ])
    const captured: Buffer[] = []
    const subscriber = (await nodeRedis(server)).duplicate()
    await subscriber.connect()
    await subscriber.subscribe(CHANNEL, (message) => captured.push(message), true)
    await b.clear()
    const clear = await waitFor(() => captured.find((message) => message.includes('"c":1')))
    await subscriber.close()
    await drained(a, b)
    await a.set('k', 'kept')
    await forge(clear)
    await drained(a, b)
    expect(a.stats().bus).toMatchObject({ replayed: 1, unauthenticated: 0 })
    expect(await servedBy(a, () => a.get('k'))).toEqual({ source: 'memory', value: 'kept' })
  })

  test('a process without the secret cannot read or be read: both sides count it, and it is said once', async () => {
    const warnings: Error[] = []
    const onWarning = (warning: Error) => warnings.push(warning)
    process.on('warning', onWarning)
    try {
      const [signed, plain] = await Promise.all([instance({ bus: { secret: SECRET } }), instance()])
      await signed.set('x', 1)
      await plain.set('y', 1)
      await waitFor(() => (signed.stats().bus?.unauthenticated ?? 0) > 1)
      await waitFor(() => (plain.stats().bus?.malformed ?? 0) > 0)
      const ours = warnings.filter(
        (warning) => (warning as { code?: string }).code === 'TIERCACHE_BUS_UNAUTHENTICATED',
      )
      expect(ours).toHaveLength(1)
      expect(ours[0]?.message).not.toContain(SECRET)
    } finally {
      process.off('warning', onWarning)
    }
  })

  test('secrets rotate without a gap: processes signing with either of two listed secrets hear each other', async () => {
    const [old, next] = [SECRET, 'the next shared secret, rotated in']
    const [a, b] = await Promise.all([
      instance({ bus: { secret: [old, next] } }),
      instance({ bus: { secret: [next, old] } }),
    ])
    await expectWritesToReach(a, b, 'hot')
    await expectWritesToReach(b, a, 'hot')
    expect(a.stats().bus).toMatchObject({ unauthenticated: 0 })
    expect(b.stats().bus).toMatchObject({ unauthenticated: 0 })
  })
})
