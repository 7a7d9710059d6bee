import { createClient } from 'redis'
import { type CompressionOptions, type Compressor, createCompressor } from '../codec/compression.js'
import { decodeEntry, encodeEntry } from '../codec/entry-codec.js'
import { serializeOrThrow } from '../codec/serializer.js'
import { type Duration, optionalMilliseconds, toMilliseconds } from '../duration.js'
import { isFresh, isServable, tierTtl } from '../entry.js'
import { describe, InvalidOptionError } from '../errors.js'
import { TierCounters } from '../metrics/tier-counters.js'
import {
  type IoredisLike,
  type NodeRedisLike,
  type RedisConnection,
  toConnection,
} from '../redis/connection.js'
import { TierTimeoutError, withDeadline } from '../redis/deadline.js'
import { type BatchResult, ReadBatcher } from '../redis/read-batcher.js'
import { INVALIDATE_TAGS, READ_WITH_CLOCK, runScript, WRITE_IF_NEWER } from '../redis/scripts.js'
import { type AuditReport, auditSettings, type RedisRole, readServerSettings } from '../topology/audit.js'
import { ReplayLog } from './replay-log.js'
import type { Fill, Stored, Tier, TierContext, TierDefinition, TierRead, WriteOutcome } from './tier.js'

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
  /** Keys per MGET; larger reads are split (and pipelined). Default 1000. */
  maxBatchKeys?: number
}

/**
 * A Redis server as a cache tier.
 *
 * @example
 * ```ts
 * redisTier({ name: 'hot', url: 'redis://127.0.0.1:6379', ttl: '30m', role: 'hot' })
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
  const settings: RedisSettings = {
    ttlMs: optionalMilliseconds(options.ttl, `redisTier "${name}" ttl`),
    timeoutMs: Math.max(1, toMilliseconds(options.timeout ?? '1s', `redisTier "${name}" timeout`)),
    prefix,
    role: options.role,
    compressor: options.compress ? createCompressor(options.compress) : undefined,
    maxBatchKeys,
  }
  return {
    name,
    kind: 'redis',
    ttlMs: settings.ttlMs,
    create: (context) => new RedisTier(name, context, openConnection(options, name, context), settings),
  }
}

interface RedisSettings {
  ttlMs: number | undefined
  timeoutMs: number
  prefix: string
  role: RedisRole | undefined
  compressor: Compressor | undefined
  maxBatchKeys: number
}

function openConnection(options: RedisTierOptions, name: string, context: TierContext): RedisConnection {
  if (options.client !== undefined) return toConnection(options.client, false)
  const client = createClient({
    url: options.url,
    // Commands fail at once while disconnected instead of queueing: the cache skips the tier meanwhile.
    disableOfflineQueue: true,
    socket: {
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 500),
      connectTimeout: 2000,
    },
  })
  client.on('error', (error: unknown) =>
    context.events.report('tierError', { tier: name, operation: 'connect', error }),
  )
  client.connect().catch(() => {
    // Reported through the 'error' listener above; the reconnect strategy keeps trying.
  })
  return toConnection(client, true)
}

const NOT_WRITTEN: WriteOutcome = Object.freeze({ written: false, version: undefined })

export class RedisTier implements Tier {
  readonly kind = 'redis' as const
  readonly counters = new TierCounters()
  readonly ttlMs: number | undefined
  coordinator = false
  private readonly keyPrefix: string
  private readonly clockKey: string
  /** `<prefix><namespace>`: every key of this tier and namespace starts with it (entries, tags, clock). */
  readonly namespacePrefix: string
  private readonly batcher: ReadBatcher<Stored>
  private readonly unsubscribe: () => void
  private audited = false
  private readonly replay = new ReplayLog()
  private wasDown = false
  /** performance.now() when the connection last became ready. */
  private upSince = 0
  private lastFailureAt = 0
  /** The connection writes go through (see {@link useWriter}). */
  private writer: RedisConnection

  constructor(
    readonly name: string,
    private readonly context: TierContext,
    readonly connection: RedisConnection,
    private readonly settings: RedisSettings,
  ) {
    this.ttlMs = settings.ttlMs
    this.writer = connection
    this.namespacePrefix = `${settings.prefix}${context.namespace}`
    this.keyPrefix = `${this.namespacePrefix}:`
    this.clockKey = `${this.namespacePrefix}#clock`
    this.batcher = new ReadBatcher((keys) => this.fetch(keys))
    this.unsubscribe = connection.onStateChange((ready) => this.onStateChange(ready))
    if (connection.isReady()) this.onStateChange(true)
  }

  /**
   * Sends writes (and clears) through another connection: client tracking routes them through its own
   * connection so that NOLOOP keeps our own writes from coming back as invalidations.
   */
  useWriter(connection: RedisConnection): void {
    this.writer = connection
  }

  makeCoordinator(): void {
    this.coordinator = true
  }

  /** The Redis key under which this tier stores `key`. */
  redisKey(key: string): string {
    return this.keyPrefix + key
  }

  read(keys: readonly string[]): Promise<TierRead> {
    if (keys.length === 1) {
      return this.batcher.read(keys[0] as string).then(({ value, clock }) => ({ entries: [value], clock }))
    }
    return this.fetch(keys).then(({ values, clock }) => ({ entries: values, clock }))
  }

  /** One round trip (split into pipelined chunks above maxBatchKeys). Never rejects. */
  private async fetch(keys: readonly string[]): Promise<BatchResult<Stored>> {
    if (!this.connection.isReady()) {
      this.counters.skipped += keys.length
      this.counters.misses += keys.length
      return { values: [] }
    }
    const started = process.hrtime.bigint()
    try {
      const chunks = chunk(keys, this.settings.maxBatchKeys)
      const replies = await this.deadline('read', Promise.all(chunks.map((part) => this.fetchChunk(part))))
      this.counters.recordLatency(started)
      const values: (Stored | undefined)[] = []
      let clock: number | undefined
      for (const [index, reply] of replies.entries()) {
        if (reply.clock !== undefined)
          clock = clock === undefined ? reply.clock : Math.max(clock, reply.clock)
        const part = chunks[index] as readonly string[]
        for (let i = 0; i < part.length; i++) values.push(this.decode(part[i] as string, reply.raw[i]))
      }
      return { values, clock }
    } catch (error) {
      this.counters.misses += keys.length
      this.failed('read', error)
      return { values: [] }
    }
  }

  private async fetchChunk(keys: readonly string[]): Promise<{ raw: readonly unknown[]; clock?: number }> {
    const redisKeys = keys.map((key) => this.keyPrefix + key)
    if (!this.coordinator) return { raw: asArray(await this.connection.send(['MGET', ...redisKeys])) }
    const reply = asArray(
      await runScript(this.connection, READ_WITH_CLOCK, [this.clockKey, ...redisKeys], []),
    )
    return { clock: Number(String(reply[0])), raw: asArray(reply[1]) }
  }

  /** Reads only the coordinator clock (for loads that did not pass through this tier). */
  async readClock(): Promise<number | undefined> {
    // A tier that failed within the last timeout is not asked again at once: the caller would wait twice.
    if (!this.connection.isReady() || Date.now() - this.lastFailureAt < this.settings.timeoutMs)
      return undefined
    try {
      const reply = asArray(
        await this.deadline('clock', runScript(this.connection, READ_WITH_CLOCK, [this.clockKey], [])),
      )
      return Number(String(reply[0]))
    } catch (error) {
      this.failed('clock', error)
      return undefined
    }
  }

  private decode(key: string, raw: unknown): Stored | undefined {
    if (raw === null || raw === undefined) {
      this.counters.misses++
      return undefined
    }
    if (!(raw instanceof Uint8Array)) {
      return this.undecodable(key, `unexpected reply type ${typeof raw}`)
    }
    const result = decodeEntry(raw, this.context.serializers)
    if (!result.ok) return this.undecodable(key, result.reason)
    const { entry } = result
    const now = Date.now()
    if (isFresh(entry, now)) this.counters.hits++
    else if (isServable(entry, now)) this.counters.staleHits++
    else this.counters.misses++
    return { entry, payload: result.payload }
  }

  private undecodable(key: string, reason: string): undefined {
    this.counters.decodeErrors++
    this.counters.misses++
    this.context.events.report('decodeError', { tier: this.name, key, reason })
    return undefined
  }

  async write(fills: readonly Fill[], now: number): Promise<WriteOutcome[]> {
    if (!this.writer.isReady()) {
      this.counters.skipped += fills.length
      for (const fill of fills) this.remember(fill)
      return fills.map(() => NOT_WRITTEN)
    }
    return Promise.all(fills.map((fill) => this.writeOne(fill, now)))
  }

  /** Remembers a set or delete this tier missed, to replay when it is back (see replay-log.ts). */
  remember(fill: Fill): void {
    this.replay.missedWrite(fill)
  }

  /** After an outage: replays the sets and deletes this tier may not have (or clears it if too many). */
  private async replayAfterOutage(): Promise<void> {
    const { fills, overflowed } = this.replay.drain(Date.now())
    if (overflowed) await this.clear()
    else if (fills.length > 0) await this.write(fills, Date.now())
  }

  /** The Redis key holding a tag's version (in the coordinator). */
  tagKey(tag: string): string {
    return `${this.namespacePrefix}#tag:${tag}`
  }

  /**
   * Records a tag invalidation: one new version for all `tags`, kept for `ttlMs`. Returns the version,
   * or undefined when the tier could not record it.
   */
  async invalidateTags(tags: readonly string[], ttlMs: number): Promise<number | undefined> {
    if (!this.writer.isReady()) return undefined
    try {
      const keys = [this.clockKey, this.clockKey, ...tags.map((tag) => this.tagKey(tag))]
      return Number(
        String(await this.deadline('tags', runScript(this.writer, INVALIDATE_TAGS, keys, [String(ttlMs)]))),
      )
    } catch (error) {
      this.failed('tags', error)
      return undefined
    }
  }

  /** Current versions of tags (0 for a tag never invalidated), or undefined when the tier cannot say. */
  async readTagVersions(tags: readonly string[]): Promise<number[] | undefined> {
    if (!this.connection.isReady()) return undefined
    try {
      const reply = asArray(
        await this.deadline('tags', this.connection.send(['MGET', ...tags.map((tag) => this.tagKey(tag))])),
      )
      return reply.map((value) => (value === null ? 0 : Number(String(value)) || 0))
    } catch (error) {
      this.failed('tags', error)
      return undefined
    }
  }

  private async writeOne(fill: Fill, now: number): Promise<WriteOutcome> {
    const { entry } = fill
    const px = tierTtl(entry, this.ttlMs, now)
    if (px <= 0) return NOT_WRITTEN
    // A fill whose value was read before this server (re)connected may predate a tombstone it lost in a
    // restart; only sets and deletes (durable) are written across that line.
    if (!fill.durable && (fill.observedAt ?? Number.POSITIVE_INFINITY) < this.upSince) return NOT_WRITTEN
    const payload = entry.tombstone
      ? undefined
      : (fill.payload ?? serializeOrThrow(this.context.serializer, entry.value, fill.key))
    const bytes = encodeEntry(entry, payload, this.context.serializer.id, this.settings.compressor)
    const issue = fill.versioning === 'issue' && this.coordinator
    const keys = issue ? [this.keyPrefix + fill.key, this.clockKey] : [this.keyPrefix + fill.key]
    try {
      const reply = asArray(
        await this.deadline(
          'write',
          runScript(this.writer, WRITE_IF_NEWER, keys, [
            bytes,
            String(px),
            issue ? 'issue' : 'given',
            String(entry.version),
          ]),
        ),
      )
      const written = Number(reply[0]) === 1
      if (written) this.counters.writes++
      else this.counters.writesRefused++
      const version = Number(String(reply[1]))
      if (written)
        this.replay.acknowledged(
          issue ? { ...fill, entry: { ...entry, version }, versioning: 'given' } : fill,
          now,
        )
      return { written, version }
    } catch (error) {
      this.failed('write', error)
      this.remember(fill)
      return NOT_WRITTEN
    }
  }

  /** Deletes every key of this namespace in this tier: SCAN + UNLINK in batches, never KEYS or FLUSHDB. */
  async clear(): Promise<void> {
    if (!this.writer.isReady()) {
      this.counters.skipped++
      this.context.events.report('tierError', {
        tier: this.name,
        operation: 'clear',
        error: new Error('tier unavailable'),
      })
      return
    }
    const pattern = `${escapeGlob(this.keyPrefix)}*`
    let cursor = '0'
    try {
      do {
        const reply = asArray(
          await this.deadline('clear', this.writer.send(['SCAN', cursor, 'MATCH', pattern, 'COUNT', '500'])),
        )
        cursor = String(reply[0])
        const keys = asArray(reply[1]) as Buffer[]
        if (keys.length > 0) await this.deadline('clear', this.writer.send(['UNLINK', ...keys]))
      } while (cursor !== '0')
    } catch (error) {
      this.failed('clear', error)
    }
  }

  /** Checks the server's configuration against this tier's role. */
  async audit(): Promise<AuditReport> {
    const report = auditSettings(this.name, this.settings.role, await readServerSettings(this.connection))
    this.context.events.report('audit', report)
    return report
  }

  private onStateChange(ready: boolean): void {
    this.context.events.report('tierState', { tier: this.name, state: ready ? 'up' : 'down' })
    if (ready) {
      // Loads that started before now may carry values whose tombstones this server lost: see writeOne.
      this.upSince = performance.now()
      if (this.wasDown) this.replayAfterOutage().catch((error: unknown) => this.failed('replay', error))
    }
    this.wasDown = !ready
    if (ready && !this.audited) {
      this.audited = true
      this.audit().catch((error: unknown) =>
        this.context.events.report('tierError', { tier: this.name, operation: 'audit', error }),
      )
    }
  }

  private failed(operation: string, error: unknown): void {
    this.counters.errors++
    this.lastFailureAt = Date.now()
    this.context.events.report('tierError', { tier: this.name, operation, error })
  }

  private deadline<T>(operation: string, promise: Promise<T>): Promise<T> {
    return withDeadline(
      promise,
      this.settings.timeoutMs,
      () => new TierTimeoutError(this.name, operation, this.settings.timeoutMs),
    )
  }

  async close(): Promise<void> {
    this.unsubscribe()
    try {
      if (this.writer !== this.connection) await this.writer.close()
      await this.connection.close()
    } catch (error) {
      this.context.events.report('tierError', {
        tier: this.name,
        operation: 'close',
        error: new Error(describe(error)),
      })
    }
  }
}

function asArray(reply: unknown): readonly unknown[] {
  if (!Array.isArray(reply)) throw new Error(`unexpected Redis reply: ${typeof reply}`)
  return reply
}

function chunk<T>(items: readonly T[], size: number): (readonly T[])[] {
  if (items.length <= size) return [items]
  const parts: T[][] = []
  for (let i = 0; i < items.length; i += size) parts.push(items.slice(i, i + size))
  return parts
}

/** Escapes Redis glob metacharacters so a prefix matches only itself. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&')
}
