import { entryVersion, HEADER_BYTES } from '../../codec/entry-codec.js'
import type { Coordinator, Fill, LeaseAnswer } from '../tier.js'
import type { RedisConnection } from './connection.js'
import type { KeyLayout } from './key-layout.js'
import { asArray } from './replies.js'
import {
  ACQUIRE_LEASE,
  ACQUIRE_LEASE_ONLY,
  ACQUIRE_LEASE_READING,
  INVALIDATE_TAGS,
  ISSUE_VERSION_ONLY,
  READ_CLOCK,
  RELEASE_LEASE,
  runScript,
} from './scripts.js'
import { NO_ANSWER, type TierGuard } from './tier-guard.js'

/**
 * What the synchronizer needs of the coordinating Redis tier (its {@link Coordinator.bus}): the
 * namespace's key prefix, the connection the bus and client tracking start from, and a way to send the
 * tier's writes through the tracking connection.
 */
export interface RedisBusLink {
  /** `<prefix><namespace>`: every key of the tier and namespace starts with it. */
  readonly namespacePrefix: string
  readonly connection: RedisConnection
  /** Sends the tier's writes through `connection`, telling `onWritten` every version it stores. */
  useWriter(connection: RedisConnection, onWritten?: (key: string, version: number) => void): void
}

/**
 * The tier a coordinator works for: its name, its connections (reads on one, writes on the possibly
 * other writer), and its log of writes to replay.
 */
export interface CoordinatorLinks extends RedisBusLink {
  readonly name: string
  readonly writer: RedisConnection
  /** Remembers a set or delete the tier missed, to replay when it is back. */
  remember(fill: Fill): void
  /**
   * Answers the tier's next read of `key`, if it comes in this same turn, with `reply`: the entry's
   * bytes (or nothing) that a lease request read along, or NO_ANSWER.
   */
  answerNextRead(key: string, reply: Promise<unknown>): void
}

/**
 * The coordinating tier's duties: the version clock, tag versions and load leases. Every Redis tier
 * offers one as its `coordinator`; the cache appoints at most one of them. Each duty is one Lua
 * script whose keys share a hash slot (see key-layout.ts); where a cluster puts a lease and the clock
 * in different slots, the two are asked in parallel instead of in one script.
 */
export class RedisCoordinator implements Coordinator<RedisBusLink> {
  private isAppointed = false

  constructor(
    private readonly guard: TierGuard,
    private readonly keys: KeyLayout,
    private readonly links: CoordinatorLinks,
  ) {}

  get name(): string {
    return this.links.name
  }

  get bus(): RedisBusLink {
    return this.links
  }

  appoint(): void {
    this.isAppointed = true
  }

  /** Whether the cache appointed this tier its coordinator: then its writes issue versions and release leases. */
  get appointed(): boolean {
    return this.isAppointed
  }

  remember(fill: Fill): void {
    this.links.remember(fill)
  }

  /** Reads the coordinator clock: a load's start version when it took no lease (see scripts.ts). */
  async readClock(): Promise<number | undefined> {
    if (this.guard.failedRecently()) return undefined
    const { connection } = this.links
    const reply = await this.guard.call('clock', connection, () =>
      runScript(connection, READ_CLOCK, [this.keys.clock, this.keys.clock], []),
    )
    return reply === NO_ANSWER ? undefined : Number(String(reply))
  }

  /**
   * Issues a new version without writing an entry (a cluster's set or delete, whose entry lives in
   * another slot than the clock). Undefined when the tier did not answer.
   */
  async issueVersion(recovery: boolean): Promise<number | undefined> {
    const { writer } = this.links
    const reply = await this.guard.call(
      'write',
      writer,
      () => runScript(writer, ISSUE_VERSION_ONLY, [this.keys.clock, this.keys.clock], []),
      recovery,
    )
    return reply === NO_ANSWER ? undefined : Number(String(reply))
  }

  /**
   * Records a tag invalidation: one new version for all `tags`, kept for `ttlMs`. Returns the version,
   * or undefined when the tier could not record it.
   */
  async invalidateTags(tags: readonly string[], ttlMs: number): Promise<number | undefined> {
    const { writer } = this.links
    const keys = [this.keys.clock, this.keys.clock, ...tags.map((tag) => this.keys.tag(tag))]
    const reply = await this.guard.call('tags', writer, () =>
      runScript(writer, INVALIDATE_TAGS, keys, [String(ttlMs)]),
    )
    return reply === NO_ANSWER ? undefined : Number(String(reply))
  }

  /** Current versions of tags (0 for a tag never invalidated), or undefined when the tier cannot say. */
  async readTagVersions(tags: readonly string[]): Promise<number[] | undefined> {
    const { connection } = this.links
    const reply = await this.guard.call('tags', connection, () =>
      connection.send(['MGET', ...tags.map((tag) => this.keys.tag(tag))]),
    )
    if (reply === NO_ANSWER) return undefined
    return asArray(reply).map((value) => (value === null ? 0 : Number(String(value)) || 0))
  }

  /**
   * The version each key's entry holds now (undefined where absent or not an entry), in one round trip
   * of header reads; undefined when the tier does not answer. Client tracking reads changed keys back.
   */
  async readEntryVersions(keys: readonly string[]): Promise<(number | undefined)[] | undefined> {
    const { connection } = this.links
    const last = String(HEADER_BYTES - 1)
    const reply = await this.guard.call('read', connection, () =>
      Promise.all(keys.map((key) => connection.send(['GETRANGE', this.keys.entry(key), '0', last]))),
    )
    if (reply === NO_ANSWER) return undefined
    return reply.map((bytes) => (Buffer.isBuffer(bytes) ? entryVersion(bytes) : undefined))
  }

  /**
   * Takes the load lease of `key` for `ttlMs` if it is free, and reads the clock in the same round trip
   * (the load's start version). Undefined when the tier did not answer.
   *
   * On a single server the lease request also compares the entry's version with `seenVersion`, so a
   * load that finished between the caller's read and this request is not repeated; `alongRead` with
   * version 0, it reads the entry too and answers the tier's read of the key with it (one command
   * less on a miss). On a cluster the entry lives in another slot than the lease, so there is no such
   * check: that window stays open.
   */
  async acquireLease(
    key: string,
    token: string,
    ttlMs: number,
    seenVersion?: number,
    alongRead = false,
  ): Promise<LeaseAnswer | undefined> {
    if (this.guard.failedRecently()) return undefined
    if (this.keys.topology === 'cluster') return this.acquireLeaseApart(key, token, ttlMs, seenVersion)
    // With version 0 and the read following in this turn, the request reads the entry for that read too.
    const reading = alongRead && seenVersion === 0
    const { writer } = this.links
    const keys = [this.keys.lease(key), this.keys.clock, this.keys.awaited(key), this.keys.entry(key)]
    const reply = this.guard.call('lease', writer, () =>
      reading
        ? runScript(writer, ACQUIRE_LEASE_READING, keys, [token, String(ttlMs)])
        : runScript(writer, ACQUIRE_LEASE, keys, [
            token,
            String(ttlMs),
            seenVersion === undefined ? '' : String(seenVersion),
          ]),
    )
    if (reading) this.links.answerNextRead(key, reply.then(entryRead))
    return leaseAnswer(await reply)
  }

  /**
   * The cluster form: the lease in the key's slot and the clock in the namespace's, asked in parallel.
   * The entry lives in a third slot, so the seen-version check is a read of its own, made only once the
   * lease is ours (after it, so a load that finished and released before we got the lease is seen).
   */
  private async acquireLeaseApart(
    key: string,
    token: string,
    ttlMs: number,
    seenVersion: number | undefined,
  ): Promise<LeaseAnswer | undefined> {
    const { writer } = this.links
    const [taken, clock] = await Promise.all([
      this.guard.call('lease', writer, () =>
        runScript(
          writer,
          ACQUIRE_LEASE_ONLY,
          [this.keys.lease(key), this.keys.awaited(key)],
          [token, String(ttlMs)],
        ),
      ),
      this.readClock(),
    ])
    if (taken === NO_ANSWER) return undefined
    if (clock === undefined) {
      // Taken but without a start version to load with: give it back rather than make others wait for it.
      if (Number(taken) === 1) void this.releaseLease(key, token)
      return undefined
    }
    if (Number(taken) === 1 && seenVersion !== undefined && (await this.storedVersion(key)) > seenVersion) {
      await this.releaseLease(key, token)
      return { changed: true }
    }
    return { taken: Number(taken) === 1, clock }
  }

  /** The version in the entry's header (0 when absent, unanswered or not an entry). */
  private async storedVersion(key: string): Promise<number> {
    const { writer } = this.links
    const reply = await this.guard.call('lease', writer, () =>
      writer.send(['GETRANGE', this.keys.entry(key), '0', String(HEADER_BYTES - 1)]),
    )
    return (Buffer.isBuffer(reply) && entryVersion(reply)) || 0
  }

  /** Gives the lease back if `token` still holds it; true if another process was waiting for the fill. */
  async releaseLease(key: string, token: string): Promise<boolean> {
    const { writer } = this.links
    const reply = await this.guard.call('lease', writer, () =>
      runScript(writer, RELEASE_LEASE, [this.keys.lease(key), this.keys.awaited(key)], [token]),
    )
    // Without an answer, assume someone waits: an extra announcement is cheap, a missing one costs a poll.
    return reply === NO_ANSWER || Number(reply) === 1
  }
}

/** What ACQUIRE_LEASE and ACQUIRE_LEASE_READING answer: { 1 | 0 | 2 (changed), clock, … }. */
function leaseAnswer(reply: unknown): LeaseAnswer | undefined {
  if (reply === NO_ANSWER) return undefined
  const [taken, clock] = asArray(reply)
  if (Number(taken) === 2) return { changed: true }
  return { taken: Number(taken) === 1, clock: Number(String(clock)) }
}

/** The entry's bytes ACQUIRE_LEASE_READING read along (or NO_ANSWER), for the tier's read of the key. */
function entryRead(reply: unknown): unknown {
  return reply === NO_ANSWER ? NO_ANSWER : asArray(reply)[2]
}
