import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, expect, test, vi } from 'vitest'
import { type RedisCluster, startRedisCluster } from '../support/redis-cluster.js'
import { type RedisServer, startRedis } from '../support/redis-server.js'
import { makeCertificates, startTlsRedis, type TestCertificates } from '../support/tls.js'

/** Every README block marked `<!-- example: name -->` must run as written (against a private Redis). */
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
const examples = [...readme.matchAll(/<!-- example: ([\w-]+) -->\s*```ts\n([\s\S]*?)```/g)].map((m) => ({
  name: m[1] as string,
  code: m[2] as string,
}))
const directory = path.join(path.dirname(new URL(import.meta.url).pathname), '..', '.examples')

let redis: RedisServer
let cluster: RedisCluster | undefined
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
  await Promise.all([redis?.stop(), cluster?.stop(), tls?.server.stop()])
  tls?.certificates.remove()
})

test('the README has runnable examples', () => {
  expect(examples.map((example) => example.name)).toEqual(expect.arrayContaining(['quick-start', 'hot-warm']))
})

test.each(examples)('README example "$name" runs as written', async ({ name, code }) => {
  const file = path.join(directory, `${name}.ts`)
  writeFileSync(file, `${code}\nexport {}\n`)
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined)
  try {
    await import(file)
    expect(log).toHaveBeenCalled()
  } finally {
    log.mockRestore()
  }
})
