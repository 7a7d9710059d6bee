import { isTraced, type TierMessage, tierChannel } from '../../channels.js'
import type { Compressor } from '../../codec/compression.js'
import { encodeEntry } from '../../codec/entry-codec.js'
import { serializeOrThrow } from '../../codec/serializer.js'
import { type Entry, tierTtl } from '../../entry.js'
import type { WatchedTier } from '../../health-log.js'
import type { AuditReport, RedisRole } from '../../types/audit-report.js'
import type { BreakerState, TierState } from '../../types/tier-state.js'
import type { BreakerOptions } from '../circuit-breaker.js'
import type { Fill, SharedTier, TierContext, TierRead, WriteOutcome } from '../tier.js'
import { TierCounters } from '../tier-counters.js'
import { auditSettings, combineServerReports, readServerSettings } from './audit.js'
import type { RedisConnection } from './connection.js'
import { type KeyLayout, keyLayout } from './key-layout.js'
import { NamespaceScan } from './namespace-scan.js'
import { RedisCoordinator } from './redis-coordinator.js'
import { RedisTierState } from './redis-tier-state.js'
import { asArray, chunk } from './replies.js'
import { runScript, WRITE_IF_NEWER, WRITE_IF_NEWER_RELEASE } from './scripts.js'
import { NO_ANSWER, TierGuard } from './tier-guard.js'
import { TierReads } from './tier-reads.js'
import { TierRecovery, UNANSWERED } from './tier-recovery.js'

export interface RedisTierSettings {
  readonly ttlMs: number | undefined
  readonly timeoutMs: number
  readonly prefix: string
  readonly role: RedisRole | undefined
  readonly compressor: Compressor | undefined
  readonly maxBatchKeys: number
  /** Undefined turns the circuit breaker off. */
  readonly breaker: BreakerOptions | undefined
  /** How long operations issued before the first connection wait for it; after that the tier counts as down. */
  readonly connectTimeoutMs: number
  /** A client the caller passed in: its failed attempts are not ours to see, so each lost connection counts as an error. */
  readonly countLostConnections: boolean
}

/** @deprecated use {@link TierState}. */
export type TierHealth = TierState

const NOT_WRITTEN: WriteOutcome = Object.freeze({ written: false, version: undefined })

/** Most writes (conditional-write scripts) one tier has in flight at once. */
export const WRITE_CHUNK_SIZE = 500

/**
 * A Redis server or Redis Cluster as a cache tier: batched reads (MGET, one per hash slot in a
 * cluster), versioned conditional writes (Lua), SCAN-based clear on every master, and the
 * coordinator's duties (version clock, tag versions, load leases; see redis-coordinator.ts). Every
 * round trip goes through the {@link TierGuard}: skipped while disconnected or while the circuit
 * breaker is open, bounded by the tier's timeout.
 */
export class RedisTier implements SharedTier, WatchedTier {
  readonly kind = 'redis' as const
  readonly local = false as const
  readonly counters = new TierCounters()
  readonly ttlMs: number | undefined
  /** The coordinator's duties, offered to the cache (which appoints at most one Redis tier). */
  readonly coordinator: RedisCoordinator
  /** `<prefix><namespace>`: every key of this tier and namespace starts with it (entries, tags, clock). */
  readonly namespacePrefix: string
  private readonly layout: KeyLayout
  private readonly reads: TierReads
  private readonly guard: TierGuard
  private readonly recovery: TierRecovery
  private readonly scan: NamespaceScan
  private readonly unsubscribe: () => void
  private writeConnection: RedisConnection
  private onWritten: ((key: string, version: number) => void) | undefined
  private audited = false
  /** The clock's monotonic reading when the connection last became ready. */
  private upSince = 0
  private readonly status: RedisTierState

  constructor(
    readonly name: string,
    private readonly context: TierContext,
    readonly connection: RedisConnection,
    private readonly settings: RedisTierSettings,
  ) {
    this.ttlMs = settings.ttlMs
    this.writeConnection = connection
    this.namespacePrefix = `${settings.prefix}${context.namespace}`
    this.layout = keyLayout(settings.prefix, context.namespace, connection.topology)
    this.guard = new TierGuard(
      name,
      settings.timeoutMs,
      this.counters,
      context.events,
      settings.breaker,
      () => this.probe(),
      () => this.status.refresh(),
      context.clock,
    )
    this.reads = new TierReads(
      name,
      context,
      this.counters,
      this.guard,
      this.layout,
      connection,
      settings.maxBatchKeys,
    )
    this.coordinator = new RedisCoordinator(this.guard, this.layout, this)
    this.scan = new NamespaceScan(this.guard, this.layout, this)
    this.recovery = new TierRecovery(
      this.guard,
      {
        write: (fills, now, recovery) => this.writeChunked(fills, now, recovery),
        clear: (recovery) => this.scan.clear(recovery),
      },
      context.clock,
    )
    this.status = new RedisTierState(name, connection, this.guard, settings.connectTimeoutMs, context)
    context.health?.watch(this)
    this.unsubscribe = connection.onStateChange((ready) => this.onConnectionChange(ready))
    if (connection.isReady()) this.onConnectionChange(true)
  }

  /**
   * Sends writes (and clears) through another connection, and tells `onWritten` every version this
   * tier stores. Client tracking routes writes through its own connection, so that NOLOOP keeps plain
   * commands from coming back as invalidations, and tells its own scripted writes from others' by
   * the versions written (Redis reports keys written by scripts even under NOLOOP).
   */
  useWriter(connection: RedisConnection, onWritten?: (key: string, version: number) => void): void {
    this.writeConnection = connection
    this.onWritten = onWritten
  }

  /** The connection writes go through (see {@link useWriter}). */
  get writer(): RedisConnection {
    return this.writeConnection
  }

  /** `'up'` when in use; see {@link TierState} for the others. */
  get state(): TierState {
    return this.status.current
  }

  /** Settles once the tier was first in use, or its connect timeout passed without that. */
  get started(): Promise<void> {
    return this.status.started
  }

  /** The circuit breaker's own state, when the tier has one. */
  get breakerState(): BreakerState | undefined {
    return this.guard.breaker?.state
  }

  // ----- reads -----

  read(keys: readonly string[]): Promise<TierRead> {
    return this.reads.read(keys)
  }

  // ----- writes -----

  /**
   * Writes fills in chunks of {@link WRITE_CHUNK_SIZE}: the writes of one chunk go out together
   * (pipelined on the connection), the next chunk once they are answered. Sending tens of thousands
   * at once (a large getMany's fills) would queue most of them past the tier's timeout.
   */
  write(fills: readonly Fill[], now: number): Promise<WriteOutcome[]> {
    return this.writeChunked(fills, now, false)
  }

  /** {@link write}; with `recovery`, also while the tier is out of service (its replay). */
  private async writeChunked(
    fills: readonly Fill[],
    now: number,
    recovery: boolean,
  ): Promise<WriteOutcome[]> {
    if (fills.length <= WRITE_CHUNK_SIZE)
      return Promise.all(fills.map((fill) => this.writeOne(fill, now, recovery)))
    const outcomes: WriteOutcome[] = []
    for (const part of chunk(fills, WRITE_CHUNK_SIZE)) {
      outcomes.push(...(await Promise.all(part.map((fill) => this.writeOne(fill, now, recovery)))))
    }
    return outcomes
  }

  private async writeOne(fill: Fill, now: number, recovery: boolean): Promise<WriteOutcome> {
    const px = tierTtl(fill.entry, this.ttlMs, now)
    if (px <= 0) return NOT_WRITTEN
    // A fill whose value was read before this server (re)connected may predate a tombstone it lost in a
    // restart; only sets and deletes (durable) are written across that line.
    if (!fill.durable && (fill.observedAt ?? Number.POSITIVE_INFINITY) < this.upSince) return NOT_WRITTEN
    const issue = fill.versioning === 'issue' && this.coordinator.appointed
    if (issue && this.layout.topology === 'cluster') return this.writeIssuedApart(fill, now, recovery)
    // A load's lease goes back in the same script as its fill, where both keys may be in one script:
    // on a single server (in a cluster the lease lives in another slot than the entry).
    const lease =
      fill.lease !== undefined &&
      this.coordinator.appointed &&
      !issue &&
      !recovery &&
      this.layout.topology === 'standalone'
        ? fill.lease
        : undefined
    const reply = isTraced(tierChannel)
      ? await this.traceWrite(fill, px, issue, recovery, lease?.token)
      : await this.writeIfNewer(fill, fill.entry, px, issue, recovery, lease?.token)
    if (reply === NO_ANSWER) {
      this.remember(fill)
      return UNANSWERED
    }
    const [flag, versionText, awaited] = asArray(reply)
    if (lease !== undefined) {
      lease.released = true
      lease.awaited = Number(awaited) === 1
    }
    const written = Number(flag) === 1
    const version = Number(String(versionText))
    if (written) {
      this.counters.writes++
      this.onWritten?.(fill.key, version)
      this.recovery.replay.acknowledged(
        issue ? { ...fill, entry: { ...fill.entry, version }, versioning: 'given' } : fill,
        now,
      )
    } else {
      this.counters.writesRefused++
    }
    return { written, version }
  }

  /**
   * A set or delete in a cluster: the clock and the entry live in different slots, so the version is
   * issued first (one script) and then written as given (another). Still safe: the write is
   * conditional on the version, and the version is issued before the entry can be seen.
   */
  private async writeIssuedApart(fill: Fill, now: number, recovery: boolean): Promise<WriteOutcome> {
    const version = await this.coordinator.issueVersion(recovery)
    if (version === undefined) {
      this.remember(fill)
      return UNANSWERED
    }
    const given: Fill = { ...fill, entry: { ...fill.entry, version }, versioning: 'given' }
    return this.writeOne(given, now, recovery)
  }

  /** The conditional write; with `leaseToken`, also releases the load's lease (WRITE_IF_NEWER_RELEASE). */
  private writeIfNewer(
    fill: Fill,
    entry: Entry,
    px: number,
    issue: boolean,
    recovery: boolean,
    leaseToken: string | undefined,
  ) {
    const payload = entry.tombstone
      ? undefined
      : (fill.payload ??
        serializeOrThrow(this.context.serializer, entry.value, fill.key, this.context.maxValueBytes))
    const bytes = encodeEntry(entry, payload, this.context.serializer.id, this.settings.compressor)
    const { layout, writer } = this
    if (leaseToken !== undefined) {
      const keys = [layout.entry(fill.key), layout.lease(fill.key), layout.awaited(fill.key)]
      const args = [bytes, String(px), String(entry.version), leaseToken]
      return this.guard.call('write', writer, () => runScript(writer, WRITE_IF_NEWER_RELEASE, keys, args))
    }
    const keys = issue ? [layout.entry(fill.key), layout.clock] : [layout.entry(fill.key)]
    const args = [bytes, String(px), issue ? 'issue' : 'given', String(entry.version)]
    return this.guard.call('write', writer, () => runScript(writer, WRITE_IF_NEWER, keys, args), recovery)
  }

  /** One conditional write published on `tiercache:tier`, its outcome filled in before it resolves. */
  private traceWrite(
    fill: Fill,
    px: number,
    issue: boolean,
    recovery: boolean,
    leaseToken: string | undefined,
  ): ReturnType<RedisTier['writeIfNewer']> {
    const message: TierMessage = {
      tier: this.name,
      command: 'write',
      keyCount: 1,
      serverAddress: this.writer.address,
    }
    return tierChannel.tracePromise(async () => {
      const reply = await this.writeIfNewer(fill, fill.entry, px, issue, recovery, leaseToken)
      message.outcome =
        reply === NO_ANSWER ? 'unanswered' : Number(asArray(reply)[0]) === 1 ? 'written' : 'refused'
      return reply
    }, message)
  }

  /** Remembers a set or delete this tier missed, to write again (see tier-recovery.ts). */
  remember(fill: Fill): void {
    this.recovery.missed(fill)
  }

  answerNextRead(key: string, reply: Promise<unknown>): void {
    this.reads.answerNextRead(key, reply)
  }

  /** Deletes every key of this namespace in this tier: SCAN + UNLINK in batches, never KEYS or FLUSHDB. */
  async clear(): Promise<void> {
    await this.scan.clear(false)
  }

  /** Every key of this namespace held by this tier (SCAN, in batches), for warming faster tiers from it. */
  keys(): AsyncGenerator<string> {
    return this.scan.entryKeys()
  }

  // ----- health -----

  /** The breaker's probe: does the server answer a PING within the timeout, and take the replay? */
  private async probe(): Promise<boolean> {
    return (await this.guard.ping(this.connection)) && (await this.recovery.returnToService())
  }

  /** A connection attempt failed or the connection broke (clients tiercache created report each one). */
  connectionFailed(error: unknown): void {
    this.counters.errors++
    this.status.lastConnectionError = error
    this.context.events.report('tierError', { tier: this.name, operation: 'connect', error })
  }

  private onConnectionChange(ready: boolean): void {
    if (!ready) {
      if (this.guard.inService && this.settings.countLostConnections) this.counters.errors++
      this.guard.inService = false
      this.status.connectionLost()
    } else {
      // Loads that started before now may carry values whose tombstones this server lost: see writeOne.
      this.upSince = this.context.clock.monotonic()
      // With the breaker open, its probe brings the tier back; otherwise it comes back now.
      if (this.guard.breaker?.state !== 'open')
        void this.recovery.returnToService().then(() => this.status.refresh())
    }
    this.status.refresh()
    if (ready && !this.audited) {
      this.audited = true
      this.audit().catch((error: unknown) =>
        this.context.events.report('tierError', { tier: this.name, operation: 'audit', error }),
      )
    }
  }

  /** Checks the server's configuration against this tier's role (a cluster: every master's). */
  async audit(): Promise<AuditReport> {
    // Where a cluster cannot list its masters now, one of them (whichever the client picks) is audited.
    const masters = await this.connection.masters().catch(() => [])
    const servers: [RedisConnection, ...RedisConnection[]] = [
      masters[0] ?? this.connection,
      ...masters.slice(1),
    ]
    const [first, ...others] = await Promise.all(
      servers.map(async (server) =>
        auditSettings(this.name, this.settings.role, await readServerSettings(server)),
      ),
    )
    const report = combineServerReports(
      [first as AuditReport, ...others],
      servers.map((server) => server.address),
    )
    this.context.events.report('audit', report)
    return report
  }

  async close(): Promise<void> {
    this.status.close()
    this.unsubscribe()
    this.guard.dispose()
    this.recovery.dispose()
    await Promise.all([
      this.writer !== this.connection ? this.writer.close() : undefined,
      this.connection.close(),
    ]).catch((error: unknown) =>
      this.context.events.report('tierError', { tier: this.name, operation: 'close', error }),
    )
  }
}
