import { isTraced, type TierMessage, tierChannel } from '../../channels.js'
import { decodeEntry } from '../../codec/entry-codec.js'
import { isFresh, isServable } from '../../entry.js'
import type { Stored, TierContext, TierRead } from '../tier.js'
import type { TierCounters } from '../tier-counters.js'
import type { RedisConnection } from './connection.js'
import type { KeyLayout } from './key-layout.js'
import { ReadBatcher } from './read-batcher.js'
import { asArray, chunk } from './replies.js'
import { groupBySlot } from './slots.js'
import { NO_ANSWER, type TierGuard } from './tier-guard.js'

/**
 * The read side of a Redis tier: single-key reads issued in the same tick coalesce into one MGET;
 * larger reads are split into chunks of `maxBatchKeys`, and in a cluster into one MGET per hash slot
 * (a multi-key command must stay in one slot), sent together and merged back in order.
 */
export class TierReads {
  private readonly batcher: ReadBatcher<Stored, TierRead>
  /** The key whose next read `answered` answers, until the end of the current turn (see answerNextRead). */
  private answeredKey: string | undefined
  private answered: Promise<unknown> | undefined

  constructor(
    private readonly name: string,
    private readonly context: TierContext,
    private readonly counters: TierCounters,
    private readonly guard: TierGuard,
    private readonly layout: KeyLayout,
    private readonly connection: RedisConnection,
    private readonly maxBatchKeys: number,
  ) {
    this.batcher = new ReadBatcher<Stored, TierRead>(
      (keys) => this.fetch(keys),
      (value) => ({ entries: [value] }),
    )
  }

  read(keys: readonly string[]): Promise<TierRead> {
    if (keys.length === 1) {
      const key = keys[0] as string
      if (key === this.answeredKey && !isTraced(tierChannel)) return this.readAnswered(key)
      return this.batcher.read(key)
    }
    return this.fetch(keys).then((values) => ({ entries: values }))
  }

  /**
   * Lets the next single-key read of `key` take `reply` (the entry's bytes, null, or NO_ANSWER: what a
   * lease request read along, see RedisCoordinator.acquireLease) instead of an MGET. Only a read in the
   * same turn may: one that comes later must see what was written since the lease request was sent.
   */
  answerNextRead(key: string, reply: Promise<unknown>): void {
    this.answeredKey = key
    this.answered = reply
    queueMicrotask(this.forgetAnswer)
  }

  private readonly forgetAnswer = (): void => {
    this.answeredKey = undefined
    this.answered = undefined
  }

  /** A read answered by a lease request: counted and decoded as an MGET's reply would be. */
  private readAnswered(key: string): Promise<TierRead> {
    const reply = this.answered as Promise<unknown>
    this.forgetAnswer()
    const started = process.hrtime.bigint()
    return reply.then((raw) => {
      if (raw === NO_ANSWER) {
        this.counters.misses++
        return { entries: [] }
      }
      this.counters.recordLatency(started)
      return { entries: [this.decode(key, raw, this.context.clock.now())] }
    })
  }

  /** One round trip of MGETs (pipelined), merged back in order, published on `tiercache:tier` when traced. */
  private fetch(keys: readonly string[]): Promise<readonly (Stored | undefined)[]> {
    if (!isTraced(tierChannel)) return this.fetchNow(keys, undefined)
    const message: TierMessage = {
      tier: this.name,
      command: 'read',
      keyCount: keys.length,
      serverAddress: this.connection.address,
    }
    // fetchNow and its arguments, not a closure: a captured `keys` would cost a context on untraced reads too.
    return tierChannel.tracePromise(this.fetchNow, message, this, keys, message)
  }

  /** Never rejects; fills in `message`'s outcome, if given, before resolving. */
  private async fetchNow(
    keys: readonly string[],
    message: TierMessage | undefined,
  ): Promise<readonly (Stored | undefined)[]> {
    const started = process.hrtime.bigint()
    const batches = this.readBatches(keys)
    const replies = await this.guard.call('read', this.connection, () =>
      Promise.all(batches.map((positions) => this.mget(keys, positions))),
    )
    if (replies === NO_ANSWER) {
      this.counters.misses += keys.length
      if (message !== undefined) message.outcome = 'unanswered'
      return []
    }
    this.counters.recordLatency(started)
    const now = this.context.clock.now()
    const values = new Array<Stored | undefined>(keys.length)
    for (let batch = 0; batch < batches.length; batch++) {
      const positions = batches[batch]
      const raw = replies[batch] as readonly unknown[]
      for (let i = 0; i < batchLength(keys, positions); i++) {
        const position = positionOf(positions, i)
        values[position] = this.decode(keys[position] as string, raw[i], now)
      }
    }
    if (message !== undefined) describeRead(message, values, now)
    return values
  }

  /**
   * Positions of `keys` per MGET. `undefined` stands for every key in order: the usual read (a batch
   * of single-key reads on a single server) needs no list of positions.
   */
  private readBatches(keys: readonly string[]): (readonly number[] | undefined)[] {
    const { maxBatchKeys } = this
    if (this.layout.topology === 'standalone') {
      if (keys.length <= maxBatchKeys) return [undefined]
      return chunk(
        Array.from(keys, (_, i) => i),
        maxBatchKeys,
      )
    }
    return groupBySlot(keys.map((key) => this.layout.entry(key))).flatMap((group) =>
      chunk(group, maxBatchKeys),
    )
  }

  private async mget(
    keys: readonly string[],
    positions: readonly number[] | undefined,
  ): Promise<readonly unknown[]> {
    const args: string[] = ['MGET']
    for (let i = 0; i < batchLength(keys, positions); i++) {
      args.push(this.layout.entry(keys[positionOf(positions, i)] as string))
    }
    return asArray(await this.connection.send(args))
  }

  private decode(key: string, raw: unknown, now: number): Stored | undefined {
    if (raw === null || raw === undefined) {
      this.counters.misses++
      return undefined
    }
    if (!(raw instanceof Uint8Array)) return this.undecodable(key, `unexpected reply type ${typeof raw}`)
    const result = decodeEntry(raw, this.context.serializers, this.context.maxValueBytes)
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
}

/** Fills in a traced read's outcome: `hit` when any key was fresh, else `stale` when any was within grace. */
function describeRead(message: TierMessage, values: readonly (Stored | undefined)[], now: number): void {
  let hits = 0
  let stale = 0
  for (const value of values) {
    if (value === undefined) continue
    if (isFresh(value.entry, now)) hits++
    else stale++
  }
  message.hits = hits
  message.outcome = hits > 0 ? 'hit' : stale > 0 ? 'stale' : 'miss'
}

/** How many keys one MGET of a read holds: every key when its positions are `undefined` (see readBatches). */
function batchLength(keys: readonly string[], positions: readonly number[] | undefined): number {
  return positions === undefined ? keys.length : positions.length
}

/** Where in the read's keys the `i`-th key of one MGET is. */
function positionOf(positions: readonly number[] | undefined, i: number): number {
  return positions === undefined ? i : (positions[i] as number)
}
