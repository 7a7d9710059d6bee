import { type CompressionOptions, createCompressor } from '../../codec/compression.js'
import { type Duration, optionalTtlMilliseconds, toTimerMilliseconds } from '../../duration.js'
import { InvalidOptionError } from '../../errors.js'
import { assertValidPrefix } from '../../keys.js'
import { redactError, redactUrl, urlSecrets } from '../../redact.js'
import type { RedisRole } from '../../types/audit-report.js'
import type { BreakerOptions } from '../circuit-breaker.js'
import type { TierDefinition } from '../tier.js'
import type { NodeRedisClusterLike } from './cluster-clients.js'
import { fromNodeRedisCluster, isClusterClient } from './cluster-connection.js'
import { type IoredisLike, type NodeRedisLike, type RedisConnection, reconnectDelay } from './connection.js'
import { loadNodeRedis } from './redis-modules.js'
import { RedisTier, type RedisTierSettings } from './redis-tier.js'
import type { NodeRedisSentinelLike } from './sentinel-connection.js'
import { type RedisTlsOptions, tlsSocketOptions, validateTls } from './tls.js'
import { toConnection } from './to-connection.js'

/** A Redis Cluster that tiercache connects to itself (option `cluster` of {@link redisTier}). */
export interface RedisClusterTierOptions {
  /**
   * `redis://` URLs of some of the cluster's nodes; the client discovers the rest (and follows
   * failovers and resharding) from them.
   */
  rootNodes: readonly string[]
}

/** Options of {@link redisTier}. Give exactly one of `client`, `url` or `cluster`. */
export interface RedisTierOptions {
  /** Shown in stats and events, and the default key prefix. Default `'redis'`. */
  name?: string
  /**
   * A connected client: node-redis (`createClient`, `createCluster` for a Redis Cluster, or
   * `createSentinel` for a master found through Redis Sentinel) or ioredis (`Redis`, or `Cluster`).
   * tiercache never closes a client it was given.
   */
  client?: NodeRedisLike | IoredisLike | NodeRedisClusterLike | NodeRedisSentinelLike
  /**
   * A `redis://` or `rediss://` (TLS) URL; tiercache creates, connects, reconnects and closes a
   * node-redis client for it. Its password never appears in an error, event or stat.
   */
  url?: string
  /**
   * A Redis Cluster: tiercache creates, connects and closes a node-redis cluster client for it. Reads
   * are split per hash slot, `clear()` scans every master, and the invalidation bus uses sharded
   * pub/sub (see the README section "Redis Cluster tiers").
   */
  cluster?: RedisClusterTierOptions
  /** Longest a copy stays in this tier (Redis PX), capped by the entry's own life. */
  ttl?: Duration
  /**
   * Prepended to every key of this tier, before the namespace. Default `'<name>:'`. Must end with `:`
   * and contain no other `:` (so no two namespaces' keys can meet); no braces on a cluster.
   */
  prefix?: string
  /** DEFLATE values above a size threshold (for warm tiers). Default off. */
  compress?: boolean | CompressionOptions
  /** What the tier is for; the configuration audit checks the server against it. */
  role?: RedisRole
  /** Longest a round trip may take before the tier is skipped for that operation. Default `'1s'`. */
  timeout?: Duration
  /**
   * How long operations issued while the tier makes its first connection wait for it (reads, writes and
   * loads all go through it once it is up). A tier not up by then counts as down: operations go past it,
   * a warning says so once, and it is used as soon as it answers. Default `'2s'`.
   */
  connectTimeout?: Duration
  /** When to stop asking a tier that keeps failing, and when to try again; `false` turns it off. */
  breaker?: BreakerOptions | false
  /** Keys per MGET; larger reads are split (and pipelined). Default 1000. */
  maxBatchKeys?: number
  /**
   * TLS settings (`ca`, `cert`, `key`, `servername`, `rejectUnauthorized`, …) for a `rediss://` `url`
   * or a `cluster` of `rediss://` nodes. With a `client`, configure TLS on the client instead.
   */
  tls?: RedisTlsOptions
}

/**
 * A Redis server as a cache tier.
 *
 * @example
 * ```ts
 * redisTier({ name: 'hot', url: 'redis://127.0.0.1:6379', ttl: '30m', role: 'hot', timeout: '20ms' })
 * redisTier({ name: 'warm', client: warmClient, ttl: '24h', role: 'warm', compress: true })
 * ```
 */
export function redisTier(options: RedisTierOptions): TierDefinition {
  const name = options.name ?? 'redis'
  const given = [options.client, options.url, options.cluster].filter((value) => value !== undefined)
  if (given.length !== 1) {
    throw new InvalidOptionError(`redisTier "${name}" needs exactly one of client, url or cluster`)
  }
  if (options.url !== undefined) validateUrl(options.url, `redisTier "${name}" url`)
  if (options.cluster !== undefined) validateCluster(options.cluster, name)
  if (options.tls !== undefined) validateTierTls(options, name)
  if (options.role !== undefined && options.role !== 'hot' && options.role !== 'warm') {
    throw new InvalidOptionError(
      `redisTier "${name}" role must be 'hot' or 'warm'; got ${String(options.role)}`,
    )
  }
  const prefix = options.prefix ?? `${name}:`
  assertValidPrefix(
    prefix,
    options.prefix === undefined
      ? `redisTier "${name}" prefix (by default '<name>:')`
      : `redisTier "${name}" prefix`,
  )
  if ((options.cluster !== undefined || isClusterClient(options.client)) && /[{}]/.test(prefix)) {
    // The tier places its own hash tags after the prefix (see key-layout.ts).
    throw new InvalidOptionError(
      `redisTier "${name}" prefix must not contain { or } on a Redis Cluster; got "${prefix}"`,
    )
  }
  const maxBatchKeys = options.maxBatchKeys ?? 1000
  if (!Number.isSafeInteger(maxBatchKeys) || maxBatchKeys < 1 || maxBatchKeys > 7000) {
    throw new InvalidOptionError(`redisTier "${name}" maxBatchKeys must be an integer from 1 to 7000`)
  }
  const settings: RedisTierSettings = {
    ttlMs: optionalTtlMilliseconds(options.ttl, `redisTier "${name}" ttl`),
    timeoutMs: Math.max(1, toTimerMilliseconds(options.timeout ?? '1s', `redisTier "${name}" timeout`)),
    prefix,
    role: options.role,
    compressor: options.compress ? createCompressor(options.compress) : undefined,
    maxBatchKeys,
    breaker: options.breaker === false ? undefined : validateBreaker(options.breaker ?? {}, name),
    connectTimeoutMs: Math.max(
      1,
      toTimerMilliseconds(options.connectTimeout ?? '2s', `redisTier "${name}" connectTimeout`),
    ),
    countLostConnections: options.client !== undefined,
  }
  return {
    name,
    kind: 'redis',
    ttlMs: settings.ttlMs,
    create: (context) => {
      // Connection errors of a client we create are counted by the tier it belongs to.
      let tier: RedisTier | undefined
      const connection = openConnection(options, (error) => tier?.connectionFailed(error))
      tier = new RedisTier(name, context, connection, settings)
      return tier
    },
  }
}

function validateUrl(url: unknown, what: string): void {
  if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) {
    const shown = typeof url === 'string' ? `"${redactUrl(url)}"` : typeof url
    throw new InvalidOptionError(`${what} must start with redis:// or rediss://; got ${shown}`)
  }
  // node-redis would throw the URL parser's error (which carries the whole URL) at connect time.
  if (!URL.canParse(url) || !/^\/?(\d+)?$/.test(new URL(url).pathname)) {
    throw new InvalidOptionError(
      `${what} is not a valid Redis URL (redis[s]://[[user]:password@]host[:port][/db]); got "${redactUrl(url)}"`,
    )
  }
}

function validateTierTls(options: RedisTierOptions, name: string): void {
  validateTls(options.tls, name)
  if (options.client !== undefined) {
    throw new InvalidOptionError(
      `redisTier "${name}" tls applies to connections tiercache opens (url, cluster); configure TLS on the client you pass`,
    )
  }
  const urls = options.url !== undefined ? [options.url] : (options.cluster?.rootNodes ?? [])
  const plain = urls.find((url) => !url.startsWith('rediss://'))
  if (plain !== undefined) {
    throw new InvalidOptionError(`redisTier "${name}" tls needs rediss:// URLs; got "${redactUrl(plain)}"`)
  }
}

function validateCluster(cluster: RedisClusterTierOptions, name: string): void {
  const { rootNodes } = cluster as Partial<RedisClusterTierOptions>
  if (!Array.isArray(rootNodes) || rootNodes.length === 0) {
    throw new InvalidOptionError(
      `redisTier "${name}" cluster.rootNodes must be a non-empty array of redis:// URLs`,
    )
  }
  for (const url of rootNodes) validateUrl(url, `redisTier "${name}" cluster.rootNodes entry`)
  const schemes = new Set(rootNodes.map((url) => String(url).slice(0, url.indexOf(':'))))
  if (schemes.size > 1) {
    throw new InvalidOptionError(
      `redisTier "${name}" cluster.rootNodes must all be redis:// or all rediss:// (TLS)`,
    )
  }
  const credentials = new Set(rootNodes.map((url) => JSON.stringify(urlCredentials(url))))
  if (credentials.size > 1) {
    throw new InvalidOptionError(
      `redisTier "${name}" cluster.rootNodes must all carry the same user name and password (or none)`,
    )
  }
}

/** The user name and password of a URL, percent-decoded as node-redis reads them; empty ones left out. */
function urlCredentials(url: string): { username?: string; password?: string } {
  const { username, password } = new URL(url)
  return {
    ...(username ? { username: decodeURIComponent(username) } : {}),
    ...(password ? { password: decodeURIComponent(password) } : {}),
  }
}

function validateBreaker(breaker: BreakerOptions, name: string): BreakerOptions {
  for (const [key, value] of Object.entries(breaker)) {
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 1)) {
      throw new InvalidOptionError(
        `redisTier "${name}" breaker.${key} must be a positive number; got ${String(value)}`,
      )
    }
  }
  return breaker
}

function openConnection(options: RedisTierOptions, onError: (error: unknown) => void): RedisConnection {
  if (options.client !== undefined) return toConnection(options.client, false)
  if (options.cluster !== undefined) return openCluster(options.cluster, options.tls, onError)
  const url = options.url as string
  const secrets = urlSecrets(url)
  const client = loadNodeRedis().createClient({
    url,
    // Commands fail at once while disconnected instead of queueing: the cache skips the tier meanwhile.
    disableOfflineQueue: true,
    socket: {
      reconnectStrategy: reconnectDelay,
      connectTimeout: 2000,
      ...(url.startsWith('rediss://') ? tlsSocketOptions(options.tls) : {}),
    },
  })
  client.on('error', (error: unknown) => onError(redactError(error, secrets)))
  client.connect().catch(() => {
    // Reported through the 'error' listener above; the reconnect strategy keeps trying.
  })
  return toConnection(client, true)
}

/** A node-redis cluster client of our own; it keeps trying to connect until the tier is closed. */
function openCluster(
  options: RedisClusterTierOptions,
  tls: RedisTlsOptions | undefined,
  onError: (error: unknown) => void,
): RedisConnection {
  const cluster = loadNodeRedis().createCluster(clusterClientOptions(options, tls))
  const secrets = options.rootNodes.flatMap(urlSecrets)
  const report = (error: unknown) => onError(redactError(error, secrets))
  cluster.on('error', report)
  let closed = false
  const connect = (): void => {
    cluster.connect().catch((error: unknown) => {
      report(error)
      if (!closed) setTimeout(connect, 500).unref()
    })
  }
  connect()
  const connection = fromNodeRedisCluster(cluster as unknown as NodeRedisClusterLike, true)
  return {
    ...connection,
    close() {
      closed = true
      return connection.close()
    },
  }
}

/**
 * node-redis `createCluster` options. Nodes discovered from the root nodes get only `defaults`, so TLS
 * (and its settings) and the root URLs' user name and password go there as well.
 */
export function clusterClientOptions(options: RedisClusterTierOptions, tls: RedisTlsOptions | undefined) {
  const secure = options.rootNodes.every((url) => url.startsWith('rediss://'))
  return {
    rootNodes: options.rootNodes.map((url) => ({ url })),
    defaults: {
      ...urlCredentials(options.rootNodes[0] as string),
      // As for a single server: fail at once while a node is unreachable, reconnect quickly.
      disableOfflineQueue: true,
      socket: {
        reconnectStrategy: reconnectDelay,
        connectTimeout: 2000,
        ...(secure ? tlsSocketOptions(tls) : {}),
      },
    },
    // Re-read the topology half a second into a node's outage (default 5 s), to follow a failover.
    topologyRefreshOnReconnectionAttemptStrategy: 500,
  }
}
