import type { Compressor } from '../codec/compression.js'
import { decodeEntry, encodeEntry } from '../codec/entry-codec.js'
import { serializeOrThrow } from '../codec/serializer.js'
import { isFresh, isServable, tierTtl } from '../entry.js'
import { TierCounters } from '../metrics/tier-counters.js'
import type { RedisArgument, RedisConnection } from '../redis/connection.js'
import { TierTimeoutError, withDeadline } from '../redis/deadline.js'
import { ReadBatcher } from '../redis/read-batcher.js'
import {
  ACQUIRE_LEASE,
  INVALIDATE_TAGS,
  READ_CLOCK,
  RELEASE_LEASE,
  runScript,
  WRITE_IF_NEWER,
} from '../redis/scripts.js'
import { type AuditReport, auditSettings, type RedisRole, readServerSettings } from '../topology/audit.js'
import { type BreakerOptions, type BreakerState, CircuitBreaker, isReplyError } from './circuit-breaker.js'
import { ReplayLog } from './replay-log.js'
import type { Fill, Stored, Tier, TierContext, TierRead, WriteOutcome } from './tier.js'

export interface RedisTierSettings {
  readonly ttlMs: number | undefined
  readonly timeoutMs: number
  readonly prefix: string
  readonly role: RedisRole | undefined
  readonly compressor: Compressor | undefined
  readonly maxBatchKeys: number
  /** Undefined turns the circuit breaker off. */
  readonly breaker: BreakerOptions | undefined
}

/** The state of a tier as stats() reports it. */
export type TierHealth = 'up' | 'down' | BreakerState

const NOT_WRITTEN: WriteOutcome = Object.freeze({ written: false, version: undefined })
/** The tier did not answer (or was skipped): the write is remembered for replay. */
const UNANSWERED: WriteOutcome = Object.freeze({ written: false, version: undefined })

/** What a guarded round trip returns when it did not get an answer. */
const NO_ANSWER = Symbol('no answer')

/**
 * A Redis server as a cache tier: batched reads (MGET), versioned conditional writes (Lua), SCAN-based
 * clear, and the coordinator's duties (version clock, tag versions, load leases). Every round trip goes through {@link call}: skipped
 * while disconnected or while the circuit breaker is open, bounded by the tier's timeout.
 */
export class RedisTier implements Tier {
  readonly kind = 'redis' as const
  readonly counters = new TierCounters()
  readonly ttlMs: number | undefined
  coordinator = false
  /** `<prefix><namespace>`: every key of this tier and namespace starts with it (entries, tags, clock). */
  readonly namespacePrefix: string
  private readonly keyPrefix: string
  private readonly clockKey: string
  private readonly batcher: ReadBatcher<Stored, TierRead>
  private readonly breaker: CircuitBreaker | undefined
  private readonly replay = new ReplayLog()
  private readonly unsubscribe: () => void
  /** The connection writes go through (see {@link useWriter}). */
  private writer: RedisConnection
  private audited = false
  /** False while disconnected, while the breaker is open, and until a recovery's replay is done. */
  private inService = false
  private recovering: Promise<boolean> | undefined
  /** performance.now() when the connection last became ready. */
  private upSince = 0
  private lastFailureAt = 0

  constructor(
    readonly name: string,
    private readonly context: TierContext,
    readonly connection: RedisConnection,
    private readonly settings: RedisTierSettings,
  ) {
    this.ttlMs = settings.ttlMs
    this.writer = connection
    this.namespacePrefix = `${settings.prefix}${context.namespace}`
    this.keyPrefix = `${this.namespacePrefix}:`
    this.clockKey = `${this.namespacePrefix}#clock`
    this.batcher = new ReadBatcher<Stored, TierRead>(
      (keys) => this.fetch(keys),
      (value) => ({ entries: [value] }),
    )
    this.breaker = settings.breaker
      ? new CircuitBreaker(
          settings.breaker,
          () => this.probe(),
          (state) => this.onBreakerChange(state),
        )
      : undefined
    this.unsubscribe = connection.onStateChange((ready) => this.onConnectionChange(ready))
    if (connection.isReady()) this.onConnectionChange(true)
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

  /** 'down' while disconnected, else the breaker's state ('closed' is healthy). */
  get health(): TierHealth {
    if (!this.connection.isReady()) return 'down'
    return this.breaker?.state ?? 'closed'
  }

  // ----- reads -----

  read(keys: readonly string[]): Promise<TierRead> {
    if (keys.length === 1) return this.batcher.read(keys[0] as string)
    return this.fetch(keys).then((values) => ({ entries: values }))
  }

  /** One round trip of MGET (split into pipelined chunks above maxBatchKeys). Never rejects. */
  private async fetch(keys: readonly string[]): Promise<readonly (Stored | undefined)[]> {
    const started = process.hrtime.bigint()
    const chunks = chunk(keys, this.settings.maxBatchKeys)
    const replies = await this.call('read', this.connection, () =>
      Promise.all(chunks.map((part) => this.mget(part))),
    )
    if (replies === NO_ANSWER) {
      this.counters.misses += keys.length
      return []
    }
    this.counters.recordLatency(started)
    const now = Date.now()
    const values: (Stored | undefined)[] = []
    replies.forEach((raw, index) => {
      const part = chunks[index] as readonly string[]
      for (let i = 0; i < part.length; i++) values.push(this.decode(part[i] as string, raw[i], now))
    })
    return values
  }

  private async mget(keys: readonly string[]): Promise<readonly unknown[]> {
    const args: string[] = ['MGET']
    for (const key of keys) args.push(this.keyPrefix + key)
    return asArray(await this.connection.send(args))
  }

  private decode(key: string, raw: unknown, now: number): Stored | undefined {
    if (raw === null || raw === undefined) {
      this.counters.misses++
      return undefined
    }
    if (!(raw instanceof Uint8Array)) return this.undecodable(key, `unexpected reply type ${typeof raw}`)
    const result = decodeEntry(raw, this.context.serializers)
    if (!result.ok) return this.undecodable(key, result.reason)
    const { entry } = result
    if (isFresh(entry, now)) this.counters.hits++
    else if (isServable(entry, now)) this.counters.staleHits++
    else this.counters.misses++
    return result // already { entry, payload }: no second object per key
  }

  private undecodable(key: string, reason: string): undefined {
    this.counters.decodeErrors++
    this.counters.misses++
    this.context.events.report('decodeError', { tier: this.name, key, reason })
    return undefined
  }

  // ----- writes -----

  async write(fills: readonly Fill[], now: number): Promise<WriteOutcome[]> {
    return Promise.all(fills.map((fill) => this.writeOne(fill, now, false)))
  }

  private async writeOne(fill: Fill, now: number, recovery: boolean): Promise<WriteOutcome> {
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
    const args = [bytes, String(px), issue ? 'issue' : 'given', String(entry.version)]
    const reply = await this.call(
      'write',
      this.writer,
      () => runScript(this.writer, WRITE_IF_NEWER, keys, args),
      recovery,
    )
    if (reply === NO_ANSWER) {
      this.remember(fill)
      return UNANSWERED
    }
    const [flag, versionText] = asArray(reply)
    const written = Number(flag) === 1
    const version = Number(String(versionText))
    if (written) {
      this.counters.writes++
      this.replay.acknowledged(
        issue ? { ...fill, entry: { ...entry, version }, versioning: 'given' } : fill,
        now,
      )
    } else {
      this.counters.writesRefused++
    }
    return { written, version }
  }

  /** Remembers a set or delete this tier missed, to replay when it is back (see replay-log.ts). */
  remember(fill: Fill): void {
    this.replay.missedWrite(fill)
  }

  /**
   * Brings the tier back into service after an outage (a reconnect, or the breaker's probe answering):
   * first replays the sets and deletes it may not have (or clears the namespace if too many were
   * missed), and only then lets reads in, so it never serves a value one of those writes replaced.
   * Resolves false if the tier stopped answering again.
   */
  private returnToService(): Promise<boolean> {
    if (this.replay.pending === 0 && this.replay.recentCount === 0) {
      this.inService = true
      return Promise.resolve(true)
    }
    this.recovering ??= this.replayUntilEmpty().finally(() => {
      this.recovering = undefined
    })
    return this.recovering
  }

  private async replayUntilEmpty(): Promise<boolean> {
    for (let round = 0; round < 5; round++) {
      const { fills, overflowed } = this.replay.drain(Date.now())
      if (overflowed && !(await this.clearNamespace(true))) return false
      if (fills.length === 0) break
      const outcomes = await Promise.all(fills.map((fill) => this.writeOne(fill, Date.now(), true)))
      if (outcomes.includes(UNANSWERED)) return false
    }
    this.inService = true
    // Writes skipped while the last round ran: replay them too (versioned, so late is still safe).
    if (this.replay.pending > 0) void this.returnToService()
    return true
  }

  /** Deletes every key of this namespace in this tier: SCAN + UNLINK in batches, never KEYS or FLUSHDB. */
  async clear(): Promise<void> {
    await this.clearNamespace(false)
  }

  private async clearNamespace(recovery: boolean): Promise<boolean> {
    const pattern = `${escapeGlob(this.keyPrefix)}*`
    const send = (args: RedisArgument[]) =>
      this.call('clear', this.writer, () => this.writer.send(args), recovery)
    let cursor = '0'
    do {
      const reply = await send(['SCAN', cursor, 'MATCH', pattern, 'COUNT', '500'])
      if (reply === NO_ANSWER) return false
      const [next, found] = asArray(reply)
      cursor = String(next)
      const keys = asArray(found) as Buffer[]
      if (keys.length > 0 && (await send(['UNLINK', ...keys])) === NO_ANSWER) return false
    } while (cursor !== '0')
    return true
  }

  /** Every key of this namespace held by this tier (SCAN, in batches), for warming faster tiers from it. */
  async *keys(): AsyncGenerator<string> {
    const pattern = `${escapeGlob(this.keyPrefix)}*`
    let cursor = '0'
    do {
      const reply = await this.call('scan', this.connection, () =>
        this.connection.send(['SCAN', cursor, 'MATCH', pattern, 'COUNT', '500']),
      )
      if (reply === NO_ANSWER) return
      const [next, found] = asArray(reply)
      cursor = String(next)
      for (const key of asArray(found)) yield String(key).slice(this.keyPrefix.length)
    } while (cursor !== '0')
  }

  // ----- the coordinator's duties -----

  /** Reads the coordinator clock: a load's start version when it took no lease (see scripts.ts). */
  async readClock(): Promise<number | undefined> {
    if (this.failedRecently()) return undefined
    const reply = await this.call('clock', this.connection, () =>
      runScript(this.connection, READ_CLOCK, [this.clockKey, this.clockKey], []),
    )
    return reply === NO_ANSWER ? undefined : Number(String(reply))
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
    const keys = [this.clockKey, this.clockKey, ...tags.map((tag) => this.tagKey(tag))]
    const reply = await this.call('tags', this.writer, () =>
      runScript(this.writer, INVALIDATE_TAGS, keys, [String(ttlMs)]),
    )
    return reply === NO_ANSWER ? undefined : Number(String(reply))
  }

  /** Current versions of tags (0 for a tag never invalidated), or undefined when the tier cannot say. */
  async readTagVersions(tags: readonly string[]): Promise<number[] | undefined> {
    const reply = await this.call('tags', this.connection, () =>
      this.connection.send(['MGET', ...tags.map((tag) => this.tagKey(tag))]),
    )
    if (reply === NO_ANSWER) return undefined
    return asArray(reply).map((value) => (value === null ? 0 : Number(String(value)) || 0))
  }

  /** The Redis key of a key's load lease (in the coordinator). */
  leaseKey(key: string): string {
    return `${this.namespacePrefix}#lease:${key}`
  }

  /** Takes the load lease of `key` for `ttlMs`: true if taken, false if another holds it, undefined if no answer. */
  /**
   * Takes the load lease of `key` for `ttlMs` if it is free, and reads the clock in the same round trip
   * (the load's start version). Undefined when the tier did not answer.
   */
  async acquireLease(
    key: string,
    token: string,
    ttlMs: number,
  ): Promise<{ taken: boolean; clock: number } | undefined> {
    if (this.failedRecently()) return undefined
    const reply = await this.call('lease', this.writer, () =>
      runScript(
        this.writer,
        ACQUIRE_LEASE,
        [this.leaseKey(key), this.clockKey, this.awaitedKey(key)],
        [token, String(ttlMs)],
      ),
    )
    if (reply === NO_ANSWER) return undefined
    const [taken, clock] = asArray(reply)
    return { taken: Number(taken) === 1, clock: Number(String(clock)) }
  }

  /** Gives the lease back if `token` still holds it; true if another process was waiting for the fill. */
  async releaseLease(key: string, token: string): Promise<boolean> {
    const reply = await this.call('lease', this.writer, () =>
      runScript(this.writer, RELEASE_LEASE, [this.leaseKey(key), this.awaitedKey(key)], [token]),
    )
    // Without an answer, assume someone waits: an extra announcement is cheap, a missing one costs a poll.
    return reply === NO_ANSWER || Number(reply) === 1
  }

  private awaitedKey(key: string): string {
    return `${this.namespacePrefix}#awaited:${key}`
  }

  // ----- health -----

  /**
   * True within one timeout of a failure. Optional requests on a caller's path (the clock, a lease) are
   * not sent then: the caller would wait a second timeout for a server that just did not answer.
   */
  private failedRecently(): boolean {
    return Date.now() - this.lastFailureAt < this.settings.timeoutMs
  }

  /**
   * One guarded round trip: skipped (counted) while the connection is down or the breaker is open;
   * bounded by the tier timeout; a failure is counted, reported, and fed to the breaker unless the
   * server answered with an error reply (then it is up, just refusing).
   */
  async call<T>(
    operation: string,
    connection: RedisConnection,
    run: () => Promise<T>,
    recovery = false,
  ): Promise<T | typeof NO_ANSWER> {
    // During recovery only the replay gets through; otherwise the tier must be in service and the breaker closed.
    if (!connection.isReady() || (!recovery && (!this.inService || !(this.breaker?.allow() ?? true)))) {
      this.counters.skipped++
      return NO_ANSWER
    }
    try {
      const { timeoutMs } = this.settings
      const result = await withDeadline(
        run(),
        timeoutMs,
        () => new TierTimeoutError(this.name, operation, timeoutMs),
      )
      this.breaker?.success()
      return result
    } catch (error) {
      this.counters.errors++
      if (isReplyError(error)) this.breaker?.success()
      else {
        this.lastFailureAt = Date.now()
        this.breaker?.failure()
      }
      this.context.events.report('tierError', { tier: this.name, operation, error })
      return NO_ANSWER
    }
  }

  /** The breaker's probe: does the server answer a PING within the timeout, and take the replay? */
  private async probe(): Promise<boolean> {
    return (await this.ping()) && (await this.returnToService())
  }

  private async ping(): Promise<boolean> {
    if (!this.connection.isReady()) return false
    const { timeoutMs } = this.settings
    try {
      await withDeadline(
        this.connection.send(['PING']),
        timeoutMs,
        () => new TierTimeoutError(this.name, 'probe', timeoutMs),
      )
      return true
    } catch (error) {
      return isReplyError(error)
    }
  }

  private onConnectionChange(ready: boolean): void {
    this.reportState(ready ? 'up' : 'down')
    if (!ready) {
      this.inService = false
    } else {
      // Loads that started before now may carry values whose tombstones this server lost: see writeOne.
      this.upSince = performance.now()
      // With the breaker open, its probe brings the tier back; otherwise it comes back now.
      if (this.breaker?.state !== 'open') void this.returnToService()
    }
    if (ready && !this.audited) {
      this.audited = true
      this.audit().catch((error: unknown) =>
        this.context.events.report('tierError', { tier: this.name, operation: 'audit', error }),
      )
    }
  }

  private onBreakerChange(state: BreakerState): void {
    if (state === 'open') this.inService = false
    this.reportState(state)
  }

  private reportState(state: TierHealth): void {
    this.context.events.report('tierState', { tier: this.name, state })
  }

  /** Checks the server's configuration against this tier's role. */
  async audit(): Promise<AuditReport> {
    const report = auditSettings(this.name, this.settings.role, await readServerSettings(this.connection))
    this.context.events.report('audit', report)
    return report
  }

  async close(): Promise<void> {
    this.unsubscribe()
    this.breaker?.dispose()
    await Promise.all([
      this.writer !== this.connection ? this.writer.close() : undefined,
      this.connection.close(),
    ]).catch((error: unknown) =>
      this.context.events.report('tierError', { tier: this.name, operation: 'close', error }),
    )
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
