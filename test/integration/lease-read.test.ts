import { afterAll, beforeAll, expect, test } from 'vitest'
import { v8Serializer } from '../../src/codec/serializer.js'
import { resolveCacheOptions } from '../../src/options.js'
import { redisTier } from '../../src/tiers/redis/redis-tier-factory.js'
import type { SharedTier } from '../../src/tiers/tier.js'
import { closeClients, nodeRedis } from '../support/fixtures.js'
import { commandCalls, type RedisServer, startRedis } from '../support/redis-server.js'
import { tierContext } from '../support/tier-context.js'

let server: RedisServer

beforeAll(async () => {
  server = await startRedis()
})
afterAll(async () => {
  await closeClients()
  await server?.stop()
})

/** A Redis tier on its own, as a cache would create it, with its coordinator appointed. */
async function tier(namespace: string): Promise<SharedTier> {
  const definition = redisTier({ name: 'hot', client: await nodeRedis(server) })
  const options = resolveCacheOptions({ namespace, tiers: [definition] }, [definition])
  const created = definition.create(tierContext(options)) as SharedTier
  created.coordinator?.appoint()
  return created
}

const mgets = async () => (await commandCalls(server)).get('mget') ?? 0

test('a lease requested along with a read answers that read only in the same turn; a later read asks Redis', async () => {
  const hot = await tier('along')
  const coordinator = hot.coordinator
  if (coordinator === undefined) throw new Error('a Redis tier offers a coordinator')

  // In the same turn: the read takes the lease request's answer (no entry), with no MGET of its own.
  const before = await mgets()
  const lease = coordinator.acquireLease('k', 'token-1', 10_000, 0, true)
  const read = hot.read(['k'], Date.now())
  expect(await lease).toMatchObject({ taken: true })
  expect((await read).entries[0]).toBeUndefined()
  expect(await mgets()).toBe(before)
  await coordinator.releaseLease('k', 'token-1')

  // A lease request whose read does not follow in its turn: the key is written meanwhile, and a read
  // after that must see the write, not the absence the lease request saw.
  const early = coordinator.acquireLease('k', 'token-2', 10_000, 0, true)
  expect(await early).toMatchObject({ taken: true })
  const [fill] = await hot.write(
    [
      {
        key: 'k',
        entry: {
          value: 'written meanwhile',
          version: Date.now() * 1000,
          createdAt: Date.now(),
          freshUntil: Date.now() + 60_000,
          staleUntil: Date.now() + 60_000,
          tags: [],
          tombstone: false,
        },
        payload: v8Serializer.serialize('written meanwhile'),
        versioning: 'issue',
        observedAt: performance.now(),
        lease: undefined,
      },
    ],
    Date.now(),
  )
  expect(fill?.written).toBe(true)
  const later = await hot.read(['k'], Date.now())
  expect(later.entries[0]?.entry.value).toBe('written meanwhile')
  expect(await mgets()).toBe(before + 1)
  await coordinator.releaseLease('k', 'token-2')
  await hot.close()
})
