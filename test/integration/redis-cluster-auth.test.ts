import { afterAll, beforeAll, expect, test } from 'vitest'
import { createCache, memoryTier, redisTier } from '../../src/index.js'
import { type RedisCluster, startRedisCluster } from '../support/redis-cluster.js'

const PASSWORD = 'cluster-s3cret'
let cluster: RedisCluster

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3 })
  // Only now: the helpers that created the cluster talk to the nodes without a password.
  await Promise.all(cluster.nodes.map((node) => node.command('CONFIG', 'SET', 'requirepass', PASSWORD)))
}, 60_000)
afterAll(async () => {
  await cluster?.stop()
})

/**
 * A cluster client knows one root node from its URL and discovers the others. The password in the
 * root URL must reach the discovered nodes too, or every slot they serve fails with NOAUTH.
 */
test('a password in the root node URL reaches every node of the cluster', async () => {
  const url = cluster.rootNodes[0] as string
  const withPassword = url.replace('redis://', `redis://:${PASSWORD}@`)
  const tier = () => redisTier({ name: 'shared', cluster: { rootNodes: [withPassword] }, timeout: '10s' })
  const writer = createCache({ namespace: 'auth', tiers: [memoryTier(), tier()] })
  const reader = createCache({ namespace: 'auth', tiers: [tier()] })
  const errors: string[] = []
  for (const cache of [writer, reader])
    cache.on('tierError', ({ operation, error }) => errors.push(`${operation}: ${String(error)}`))
  try {
    expect(await writer.ready()).toBe(true)
    expect(await reader.ready()).toBe(true)
    // 60 keys land on all three masters (16384 slots split three ways).
    const keys = Array.from({ length: 60 }, (_, i) => `k${i}`)
    await writer.getMany(keys, (batch) => batch.map((key) => `value of ${key}`))
    await writer.idle()
    expect(await reader.getMany(keys)).toEqual(keys.map((key) => `value of ${key}`))
    expect(errors).toEqual([])
    expect(JSON.stringify(errors)).not.toContain(PASSWORD)
  } finally {
    await Promise.all([writer.close(), reader.close()])
  }
})

test('root node URLs with different credentials are refused before any connection', () => {
  const create = () =>
    redisTier({ cluster: { rootNodes: ['redis://:first-s3cret@127.0.0.1:1', 'redis://:other@127.0.0.1:2'] } })
  expect(create).toThrow(
    expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringMatching(/same user name/) }),
  )
  expect(create).toThrow(expect.objectContaining({ message: expect.not.stringContaining('first-s3cret') }))
})
