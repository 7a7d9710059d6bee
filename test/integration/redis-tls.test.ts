import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import type { RedisTlsOptions } from '../../src/entries/types.js'
import { createCache, memoryTier, redisTier, type TierCache } from '../../src/index.js'
import {
  makeCertificates,
  startTlsRedis,
  startTlsRedisCluster,
  type TestCertificates,
  type TlsRedisCluster,
  type TlsRedisServer,
  tlsUnavailable,
} from '../support/tls.js'
import { waitFor } from '../support/wait.js'

/**
 * redisTier({ url: 'rediss://…', tls }) against TLS-only redis-servers whose CA is made here: trusted
 * through the option alone (not the environment), with a client certificate where the server demands
 * one, and failing fast, as a tier error, when the certificate does not verify.
 */
const unavailable = tlsUnavailable()
if (unavailable) console.warn(`skipping the TLS tests: ${unavailable}`)

describe.skipIf(unavailable !== undefined)('Redis tiers over TLS', () => {
  let certificates: TestCertificates
  let server: TlsRedisServer
  let mutual: TlsRedisServer
  const caches: TierCache[] = []

  beforeAll(async () => {
    certificates = makeCertificates()
    ;[server, mutual] = await Promise.all([
      startTlsRedis(certificates),
      startTlsRedis(certificates, { authClients: true }),
    ])
  }, 60_000)
  afterEach(async () => {
    await Promise.all(caches.splice(0).map((cache) => cache.close()))
  })
  afterAll(async () => {
    await Promise.all([server?.stop(), mutual?.stop()])
    certificates?.remove()
  })

  function cache(url: string, tls: RedisTlsOptions | undefined, withMemory = true): TierCache {
    const made = createCache({
      namespace: 'tls',
      tiers: [...(withMemory ? [memoryTier()] : []), redisTier({ name: 'hot', url, tls, timeout: '2s' })],
    })
    caches.push(made)
    return made
  }

  /** The tier's connect errors, as the cache reports them. */
  function connectErrors(of: TierCache): string[] {
    const errors: string[] = []
    // A connection error comes as a TierError whose cause is what the TLS socket raised.
    of.on('tierError', ({ error }) => {
      const cause = error.cause as { code?: string; message?: string } | undefined
      errors.push(`${error.code}: ${error.message} (${cause?.code}: ${cause?.message})`)
    })
    return errors
  }

  test('a CA given in the option is trusted: values go through Redis and the bus', async () => {
    const tls = { ca: certificates.ca, servername: certificates.serverName }
    const [a, b] = [cache(server.tlsUrl, tls), cache(server.tlsUrl, tls)]
    expect(await a.ready({ timeout: '10s' })).toBe(true)
    expect(await b.ready({ timeout: '10s' })).toBe(true)
    await a.set('product:1', { name: 'lamp' })
    // Read back by a cache without a memory tier: the value crossed the TLS connection.
    const reader = cache(server.tlsUrl, tls, false)
    expect(await reader.ready({ timeout: '10s' })).toBe(true)
    expect(await reader.get('product:1')).toEqual({ name: 'lamp' })
    // The invalidation bus runs on a second connection, which must carry the same TLS settings.
    expect(await b.get('product:1')).toEqual({ name: 'lamp' })
    await a.delete('product:1')
    await waitFor(async () => (await b.get('product:1')) === undefined, {
      timeoutMs: 10_000,
      what: "the delete to reach the other cache's memory tier over the TLS bus",
    })
  })

  test('a server that demands a client certificate takes the one in the option (mutual TLS)', async () => {
    const withCertificate = cache(mutual.tlsUrl, {
      ca: certificates.ca,
      cert: certificates.clientCert,
      key: certificates.clientKey,
      servername: certificates.serverName,
    })
    expect(await withCertificate.ready({ timeout: '10s' })).toBe(true)
    await withCertificate.set('k', 1)
    expect(withCertificate.stats().tiers.find((tier) => tier.name === 'hot')?.writes).toBeGreaterThan(0)

    const without = cache(mutual.tlsUrl, { ca: certificates.ca, servername: certificates.serverName })
    const errors = connectErrors(without)
    expect(await without.ready({ timeout: '1s' })).toBe(false)
    await waitFor(() => errors.some((error) => /CERTIFICATE_REQUIRED/.test(error)), {
      timeoutMs: 10_000,
      what: 'a tier error saying the server requires a client certificate',
    })
  })

  test.each([
    [
      'a CA that did not sign the server certificate',
      () => ({ ca: certificates.otherCa, servername: 'redis.test' }),
      /SELF_SIGNED_CERT_IN_CHAIN/,
    ],
    ['no CA (only the default list)', () => ({ servername: 'redis.test' }), /SELF_SIGNED_CERT_IN_CHAIN/],
    [
      'a server name the certificate does not hold',
      () => ({ ca: certificates.ca }),
      /ERR_TLS_CERT_ALTNAME_INVALID/,
    ],
  ])(
    '%s: the tier is skipped with a tier error naming the certificate problem, not a hang',
    async (_what, tls, reason) => {
      const failing = cache(server.tlsUrl, tls())
      const errors = connectErrors(failing)
      const started = Date.now()
      expect(await failing.getOrLoad('k', async () => 'from the loader')).toBe('from the loader')
      expect(Date.now() - started).toBeLessThan(10_000)
      expect(await failing.ready({ timeout: '500ms' })).toBe(false)
      const error = await waitFor(() => errors.find((message) => reason.test(message)), {
        timeoutMs: 10_000,
        what: `a tier error matching ${reason}`,
      })
      expect(error).toMatch(reason)
    },
  )

  test('rejectUnauthorized: false accepts a certificate that does not verify', async () => {
    const lenient = cache(server.tlsUrl, { rejectUnauthorized: false })
    expect(await lenient.ready({ timeout: '10s' })).toBe(true)
  })
})

describe.skipIf(unavailable !== undefined)('a Redis Cluster tier over TLS', () => {
  let certificates: TestCertificates
  let cluster: TlsRedisCluster

  beforeAll(async () => {
    certificates = makeCertificates()
    cluster = await startTlsRedisCluster(certificates)
  }, 90_000)
  afterAll(async () => {
    await cluster?.stop()
    certificates?.remove()
  })

  test('the nodes discovered from one root node are reached with the same TLS settings', async () => {
    const tls = { ca: certificates.ca, servername: certificates.serverName }
    const cache = createCache({
      namespace: 'tlsc',
      tiers: [
        redisTier({
          name: 'hot',
          cluster: { rootNodes: [cluster.rootNodes[0] as string] },
          tls,
          timeout: '2s',
        }),
      ],
    })
    try {
      expect(await cache.ready({ timeout: '20s' })).toBe(true)
      const keys = Array.from({ length: 30 }, (_, i) => `product:${i}`)
      await Promise.all(keys.map((key) => cache.set(key, key)))
      // 30 keys spread over every master's slots: each node was reached over TLS.
      expect(await cache.getMany(keys)).toEqual(keys)
      const held = await Promise.all(cluster.nodes.map((node) => node.command('DBSIZE')))
      expect(held.every((count) => Number(count) > 0)).toBe(true)
      expect(cache.stats().tiers[0]?.errors).toBe(0)
    } finally {
      await cache.close()
    }
  }, 60_000)
})
