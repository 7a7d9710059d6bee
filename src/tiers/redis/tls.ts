import type { ConnectionOptions } from 'node:tls'
import { InvalidOptionError } from '../../errors.js'

/**
 * TLS settings of the connections tiercache opens itself (`redisTier({ url: 'rediss://…', tls })` or
 * `redisTier({ cluster, tls })`), handed to Node's `tls.connect`. Every connection of the tier uses
 * them: commands, the invalidation bus and client tracking.
 */
export interface RedisTlsOptions {
  /** CA certificates (PEM) to trust instead of Node's default list, e.g. a private CA. */
  ca?: ConnectionOptions['ca']
  /** Client certificate chain (PEM), for servers that require clients to authenticate (mutual TLS). */
  cert?: ConnectionOptions['cert']
  /** Private key (PEM) of `cert`. */
  key?: ConnectionOptions['key']
  /** Passphrase of `key`, when it is encrypted. */
  passphrase?: string
  /** Server name to send (SNI) and to check the certificate against; default the URL's host. */
  servername?: string
  /** `false` accepts a certificate that does not verify (testing only). Default `true`. */
  rejectUnauthorized?: boolean
}

const TLS_KEYS: readonly (keyof RedisTlsOptions)[] = [
  'ca',
  'cert',
  'key',
  'passphrase',
  'servername',
  'rejectUnauthorized',
]

/** Checks a `tls` option's shape (an object of known keys) before any connection is made. */
export function validateTls(tls: unknown, name: string): RedisTlsOptions {
  const what = `redisTier "${name}" tls`
  if (typeof tls !== 'object' || tls === null || Array.isArray(tls)) {
    throw new InvalidOptionError(`${what} must be an object of TLS options ({ ca, cert, key, … })`)
  }
  for (const [key, value] of Object.entries(tls)) {
    if (!TLS_KEYS.includes(key as keyof RedisTlsOptions)) {
      throw new InvalidOptionError(`${what} has an unknown option "${key}"; known: ${TLS_KEYS.join(', ')}`)
    }
    if (value === undefined) continue
    if ((key === 'passphrase' || key === 'servername') && typeof value !== 'string')
      throw new InvalidOptionError(`${what}.${key} must be a string`)
    if (key === 'rejectUnauthorized' && typeof value !== 'boolean')
      throw new InvalidOptionError(`${what}.rejectUnauthorized must be a boolean`)
    if ((key === 'ca' || key === 'cert' || key === 'key') && !isPemMaterial(value))
      throw new InvalidOptionError(`${what}.${key} must be a string, a Buffer or an array of them`)
  }
  return tls as RedisTlsOptions
}

/** node-redis socket options for a TLS connection with these settings. */
export function tlsSocketOptions(tls: RedisTlsOptions | undefined): { tls: true } & RedisTlsOptions {
  return { ...tls, tls: true }
}

function isPemMaterial(value: unknown): boolean {
  const single = (item: unknown) =>
    typeof item === 'string' || Buffer.isBuffer(item) || (typeof item === 'object' && item !== null)
  return Array.isArray(value) ? value.every(single) : single(value)
}
