import { createClient } from 'redis'
import { describe, expect, test } from 'vitest'
import type { RedisTlsOptions } from '../../src/entries/types.js'
import { InvalidOptionError, redisTier } from '../../src/index.js'
import { clusterClientOptions } from '../../src/tiers/redis/redis-tier-factory.js'

const rediss = 'rediss://127.0.0.1:6380'

describe('redisTier tls option', () => {
  test.each([
    ['not an object', { url: rediss, tls: 'yes' }, /tls must be an object/],
    [
      'an unknown key (a typo)',
      { url: rediss, tls: { rejectUnauthorised: false } },
      /unknown option "rejectUnauthorised"/,
    ],
    [
      'a servername that is not a string',
      { url: rediss, tls: { servername: 1 } },
      /tls\.servername must be a string/,
    ],
    [
      'rejectUnauthorized not a boolean',
      { url: rediss, tls: { rejectUnauthorized: 'no' } },
      /must be a boolean/,
    ],
    ['a ca that is a number', { url: rediss, tls: { ca: 42 } }, /tls\.ca must be a string, a Buffer/],
    ['a redis:// url', { url: 'redis://127.0.0.1:6379', tls: {} }, /tls needs rediss:\/\/ URLs/],
    ['a client', { client: createClient(), tls: {} }, /configure TLS on the client you pass/],
    [
      'a cluster with a redis:// node',
      { cluster: { rootNodes: ['redis://a:1'] }, tls: {} },
      /tls needs rediss/,
    ],
    [
      'a cluster of mixed schemes',
      { cluster: { rootNodes: [rediss, 'redis://a:1'] } },
      /must all be redis:\/\/ or all rediss:\/\//,
    ],
  ])('rejects %s before any I/O', (_what, options, message) => {
    expect(() => redisTier(options as never)).toThrow(InvalidOptionError)
    expect(() => redisTier(options as never)).toThrow(message)
  })

  test('accepts PEM strings, Buffers and arrays of them', () => {
    const tls: RedisTlsOptions = {
      ca: ['-----BEGIN CERTIFICATE-----', Buffer.from('x')],
      cert: 'cert',
      key: Buffer.from('key'),
      passphrase: 'p',
      servername: 'redis.internal',
      rejectUnauthorized: true,
    }
    expect(redisTier({ url: rediss, tls }).kind).toBe('redis')
    expect(redisTier({ cluster: { rootNodes: [rediss] }, tls }).kind).toBe('redis')
  })

  test('a TLS cluster hands the settings to the nodes it discovers, not only to the root nodes', () => {
    const tls = { ca: 'CA', servername: 'redis.internal' }
    const options = clusterClientOptions({ rootNodes: [rediss] }, tls)
    expect(options.rootNodes).toEqual([{ url: rediss }])
    expect(options.defaults.socket).toMatchObject({ tls: true, ca: 'CA', servername: 'redis.internal' })
    const plain = clusterClientOptions({ rootNodes: ['redis://127.0.0.1:7000'] }, undefined)
    expect(plain.defaults.socket).not.toHaveProperty('tls')
  })
})
