import { createClient } from 'redis'
import { type CompressionOptions, createCompressor } from '../codec/compression.js'
import { type Duration, optionalMilliseconds, toMilliseconds } from '../duration.js'
import { InvalidOptionError } from '../errors.js'
import {
  type IoredisLike,
  type NodeRedisLike,
  type RedisConnection,
  reconnectDelay,
} from '../redis/connection.js'
import { toConnection } from '../redis/to-connection.js'
import type { RedisRole } from '../topology/audit.js'
import type { BreakerOptions } from './circuit-breaker.js'
import { RedisTier, type RedisTierSettings } from './redis-tier.js'
import type { TierContext, TierDefinition } from './tier.js'

/** Options of {@link redisTier}. Give either `client` or `url`. */
export interface RedisTierOptions {
  /** Shown in stats and events, and the default key prefix. Default `'redis'`. */
  name?: string
  /** A connected node-redis (`createClient`) or ioredis client. tiercache never closes a client it was given. */
  client?: NodeRedisLike | IoredisLike
  /** A `redis://` URL; tiercache creates, connects, reconnects and closes a node-redis client for it. */
  url?: string
  /** Longest a copy stays in this tier (Redis PX), capped by the entry's own life. */
  ttl?: Duration
  /** Prepended to every key of this tier, before the namespace. Default `'<name>:'`. */
  prefix?: string
  /** DEFLATE values above a size threshold (for warm tiers). Default off. */
  compress?: boolean | CompressionOptions
  /** What the tier is for; the configuration audit checks the server against it. */
  role?: RedisRole
  /** Longest a round trip may take before the tier is skipped for that operation. Default `'1s'`. */
  timeout?: Duration
  /** When to stop asking a tier that keeps failing, and when to try again; `false` turns it off. */
  breaker?: BreakerOptions | false
  /** Keys per MGET; larger reads are split (and pipelined). Default 1000. */
  maxBatchKeys?: number
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
  if ((options.client === undefined) === (options.url === undefined)) {
    throw new InvalidOptionError(`redisTier "${name}" needs exactly one of client or url`)
  }
  if (options.url !== undefined && !/^rediss?:\/\//.test(options.url)) {
    throw new InvalidOptionError(
      `redisTier "${name}" url must start with redis:// or rediss://; got "${options.url}"`,
    )
  }
  if (options.role !== undefined && options.role !== 'hot' && options.role !== 'warm') {
    throw new InvalidOptionError(
      `redisTier "${name}" role must be 'hot' or 'warm'; got ${String(options.role)}`,
    )
  }
  const prefix = options.prefix ?? `${name}:`
  if (typeof prefix !== 'string') throw new InvalidOptionError(`redisTier "${name}" prefix must be a string`)
  const maxBatchKeys = options.maxBatchKeys ?? 1000
  if (!Number.isSafeInteger(maxBatchKeys) || maxBatchKeys < 1 || maxBatchKeys > 7000) {
    throw new InvalidOptionError(`redisTier "${name}" maxBatchKeys must be an integer from 1 to 7000`)
  }
  const settings: RedisTierSettings = {
    ttlMs: optionalMilliseconds(options.ttl, `redisTier "${name}" ttl`),
    timeoutMs: Math.max(1, toMilliseconds(options.timeout ?? '1s', `redisTier "${name}" timeout`)),
    prefix,
    role: options.role,
    compressor: options.compress ? createCompressor(options.compress) : undefined,
    maxBatchKeys,
    breaker: options.breaker === false ? undefined : validateBreaker(options.breaker ?? {}, name),
  }
  return {
    name,
    kind: 'redis',
    ttlMs: settings.ttlMs,
    create: (context) => new RedisTier(name, context, openConnection(options, name, context), settings),
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

function openConnection(options: RedisTierOptions, name: string, context: TierContext): RedisConnection {
  if (options.client !== undefined) return toConnection(options.client, false)
  const client = createClient({
    url: options.url,
    // Commands fail at once while disconnected instead of queueing: the cache skips the tier meanwhile.
    disableOfflineQueue: true,
    socket: { reconnectStrategy: reconnectDelay, connectTimeout: 2000 },
  })
  client.on('error', (error: unknown) =>
    context.events.report('tierError', { tier: name, operation: 'connect', error }),
  )
  client.connect().catch(() => {
    // Reported through the 'error' listener above; the reconnect strategy keeps trying.
  })
  return toConnection(client, true)
}
