import { randomUUID } from 'node:crypto'
import { BoundedMap } from '../bounded-map.js'
import type { CacheEvents } from '../cache-events.js'
import type { Clock } from '../clock.js'
import type { RedisConnection, RedisSubscriber } from '../tiers/redis/connection.js'
import { withDeadline } from '../tiers/redis/deadline.js'
import { BusAuthenticator } from './bus-auth.js'
import { BusCounters } from './bus-counters.js'
import { type BusOptions, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_MESSAGE_ITEMS } from './bus-options.js'
import { type BusMessage, decodeMessage, encodeMessage, type RejectReason } from './messages.js'

/** What the bus tells the cache. */
export interface BusListener {
  /** Another process wrote or deleted these keys (with the version now stored). */
  keys(keys: readonly (readonly [string, number])[]): void
  /** Another process invalidated these tags (with their new version). */
  tags(tags: readonly (readonly [string, number])[]): void
  /** Another process cleared the namespace. */
  clear(): void
  /** Another process filled these keys after loading them under a lease. */
  filled(keys: readonly string[]): void
  /**
   * The bus stopped (false) or started again (true) delivering. While it is down, memory tiers cannot
   * learn about other processes' writes; when it comes back, everything they filled before is suspect.
   */
  health(healthy: boolean): void
  /**
   * One of this process's own heartbeats came back: every message published before `sentAt` (epoch
   * ms) has been heard. Called before `health(true)`.
   */
  delivered(sentAt: number): void
  /** A message from some process was lost (a gap in its sequence numbers). */
  lost(): void
}

/** One key, tag or filled key of a message being built, and the list it goes in. */
interface Item {
  readonly list: 'k' | 't' | 'f'
  readonly value: readonly [string, number] | string
}

/** Pause before the next attempt to subscribe: 50 ms doubling up to 1 s (sooner when the subscriber connects). */
function subscribeRetryDelay(attempt: number): number {
  return Math.min(50 * 2 ** attempt, 1000)
}

interface Pending {
  keys: [string, number][]
  tags: [string, number][]
  filled: string[]
  clear: boolean
  waiters: (() => void)[]
}

/**
 * Invalidation over Redis pub/sub, one channel per namespace (sharded pub/sub, SPUBLISH/SSUBSCRIBE, on
 * a Redis 7 cluster: the channel lives on one shard instead of being broadcast to every node). Messages carry origin and sequence
 * number; a process ignores its own (except heartbeats, which prove the whole path works) and treats
 * a gap in another origin's sequence as a lost message. Publishes issued in the same tick go out as
 * one message.
 */
export class InvalidationBus {
  readonly origin = randomUUID()
  private seq = 0
  private closed = false
  private readonly lastSeq = new BoundedMap<string, number>(10_000)
  /**
   * With a secret: per origin, the newest sequence number authenticated. Unlike lastSeq it survives
   * outages, so an old message replayed after one is still refused.
   */
  private readonly newestSeq = new BoundedMap<string, number>(10_000)
  private readonly authenticator: BusAuthenticator | undefined
  /** Messages received, accepted or dropped by reason. */
  readonly counters = new BusCounters()
  private warnedUnauthenticated = false
  private healthy = false
  private lastOwnHeartbeatAt = 0
  /** When each own heartbeat still on its way was sent, by sequence number. */
  private readonly heartbeatsSentAt = new Map<number, number>()
  private lastTickAt: number
  private pending: Pending | undefined
  private renewing = false
  private lastRenewAt: number
  private timer: NodeJS.Timeout | undefined
  private readonly unsubscribe: () => void
  private readonly unwatchPublisher: () => void
  private subscribed = false
  /** Ends the pause between two attempts to subscribe early (the subscriber just connected). */
  private retryNow: (() => void) | undefined
  private readonly options: Required<Omit<BusOptions, 'secret'>>
  /** Times (epoch ms, high resolution) at which messages were received, for measurement. */
  lastReceivedAt = 0

  constructor(
    private readonly publisher: RedisConnection,
    private readonly subscriber: RedisSubscriber,
    readonly channel: string,
    private readonly listener: BusListener,
    private readonly events: CacheEvents,
    options: BusOptions,
    private readonly clock: Clock,
  ) {
    this.lastTickAt = clock.now()
    this.lastRenewAt = this.lastTickAt
    this.options = {
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 500,
      heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 1500,
      publishTimeoutMs: options.publishTimeoutMs ?? 1000,
      maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      maxMessageItems: options.maxMessageItems ?? DEFAULT_MAX_MESSAGE_ITEMS,
    }
    this.authenticator =
      options.secret !== undefined ? new BusAuthenticator(options.secret, channel) : undefined
    this.unsubscribe = subscriber.onStateChange((ready) => {
      if (!ready) return this.markDown()
      this.retryNow?.()
      this.heartbeat()
    })
    // The first heartbeat goes out as soon as both connections are up, not on the next tick.
    this.unwatchPublisher = publisher.onStateChange((ready) => ready && this.heartbeat())
  }

  /**
   * Subscribes and starts heartbeats. Resolves once subscribed (not necessarily healthy yet), or once
   * the bus is closed: a subscription that fails (Redis not up yet) is tried again with backoff, and at
   * once when the subscriber connects; the failure is reported once, not per attempt.
   */
  async start(): Promise<void> {
    this.timer = setInterval(() => this.tick(), this.options.heartbeatIntervalMs)
    this.timer.unref()
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        await this.subscriber.subscribe(this.channel, (raw) => this.receive(raw))
        this.subscribed = true
        break
      } catch (error) {
        // A cache closed while still subscribing: the aborted subscription is not a failure.
        if (this.closed) return
        if (attempt === 0) this.events.report('tierError', { tier: 'bus', operation: 'subscribe', error })
        await this.pauseBeforeRetry(attempt)
      }
    }
    if (!this.closed) this.heartbeat()
  }

  private pauseBeforeRetry(attempt: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.retryNow = undefined
        resolve()
      }
      const timer = setTimeout(done, subscribeRetryDelay(attempt))
      timer.unref()
      this.retryNow = done
    })
  }

  get isHealthy(): boolean {
    return this.healthy
  }

  /**
   * Queues an invalidation; everything queued in the same tick is published as one message (split to
   * stay within maxMessageItems and maxMessageBytes). Resolves once published, or once publishing
   * failed (the failure is reported and shows up at receivers as a sequence gap).
   */
  publish(part: {
    keys?: readonly (readonly [string, number])[]
    tags?: readonly (readonly [string, number])[]
    filled?: readonly string[]
    clear?: boolean
  }): Promise<void> {
    if (this.closed) return Promise.resolve() // a load finishing after close(): nobody to tell any more
    if (!this.pending) {
      this.pending = { keys: [], tags: [], filled: [], clear: false, waiters: [] }
      process.nextTick(() => void this.flush())
    }
    const pending = this.pending
    if (part.keys) for (const item of part.keys) pending.keys.push([item[0], item[1]])
    if (part.tags) for (const item of part.tags) pending.tags.push([item[0], item[1]])
    if (part.filled) pending.filled.push(...part.filled)
    if (part.clear) pending.clear = true
    return new Promise((resolve) => pending.waiters.push(resolve))
  }

  private async flush(): Promise<void> {
    const pending = this.pending
    this.pending = undefined
    if (!pending) return
    const messages: Omit<BusMessage, 'o' | 's'>[] = pending.clear ? [{ c: 1 }] : []
    messages.push(...this.split(pending))
    await Promise.all(messages.map((body) => this.send(body)))
    for (const resolve of pending.waiters) resolve()
  }

  /**
   * Packs the pending keys, tags and filled keys into as few messages as stay within maxMessageItems
   * and maxMessageBytes (counted conservatively: the longest sequence number and the MAC included).
   */
  private split(pending: Pending): Omit<BusMessage, 'o' | 's'>[] {
    const items: Item[] = [
      ...pending.keys.map((value): Item => ({ list: 'k', value })),
      ...pending.tags.map((value): Item => ({ list: 't', value })),
      ...pending.filled.map((value): Item => ({ list: 'f', value })),
    ]
    const { maxMessageBytes, maxMessageItems } = this.options
    // {"o":"…","s":9007199254740991,"k":[],"t":[],"f":[]} and the MAC.
    const envelope =
      Buffer.byteLength(JSON.stringify({ o: this.origin, s: Number.MAX_SAFE_INTEGER, k: [], t: [], f: [] })) +
      (this.authenticator?.overhead ?? 0)
    type Lists = { k: (readonly [string, number])[]; t: (readonly [string, number])[]; f: string[] }
    const messages: Lists[] = []
    let lists: Lists | undefined
    let count = 0
    let bytes = 0
    for (const item of items) {
      const size = Buffer.byteLength(JSON.stringify(item.value)) + 1
      if (lists === undefined || count >= maxMessageItems || bytes + size > maxMessageBytes) {
        lists = { k: [], t: [], f: [] }
        messages.push(lists)
        count = 0
        bytes = envelope
      }
      ;(lists[item.list] as unknown[]).push(item.value)
      count++
      bytes += size
    }
    return messages.map(({ k, t, f }) => ({
      ...(k.length ? { k } : {}),
      ...(t.length ? { t } : {}),
      ...(f.length ? { f } : {}),
    }))
  }

  /** Publishes one message. A failure still consumes a sequence number, so receivers notice the loss. */
  private async send(body: Omit<BusMessage, 'o' | 's'>): Promise<void> {
    const message: BusMessage = { o: this.origin, s: ++this.seq, ...body }
    if (!this.publisher.isReady()) return
    try {
      await withDeadline(
        this.publisher.send([this.subscriber.publishCommand, this.channel, this.encode(message)]),
        this.options.publishTimeoutMs,
        () => new Error(`${this.subscriber.publishCommand} on ${this.channel} timed out`),
      )
    } catch (error) {
      this.events.report('tierError', { tier: 'bus', operation: 'publish', error })
    }
  }

  private encode(message: BusMessage): string {
    const json = encodeMessage(message)
    return this.authenticator ? this.authenticator.sign(json) : json
  }

  /**
   * Everything on the channel is untrusted: a message is dropped (and counted) unless it is within the
   * size bounds, authenticated when there is a secret, and well formed. A dropped message counts as
   * lost once its sender's next message shows the gap; a message from an unknown origin cannot.
   */
  private receive(raw: Buffer): void {
    const message = this.decode(raw)
    if (typeof message === 'string') {
      this.counters.reject(message)
      this.events.report('decodeError', { tier: 'bus', key: this.channel, reason: `bus message ${message}` })
      if (message === 'unauthenticated') this.warnUnauthenticatedOnce()
      return
    }
    this.lastReceivedAt = performance.timeOrigin + performance.now()
    if (message.o === this.origin) {
      // Pub/sub delivers in order, so an own heartbeat arriving proves everything published before it arrived too.
      if (message.h) this.ownHeartbeat(message.s)
      return
    }
    this.counters.received++
    const last = this.lastSeq.get(message.o)
    this.lastSeq.set(message.o, message.s)
    if (last !== undefined && message.s > last + 1) this.listener.lost()
    if (message.c) this.listener.clear()
    if (message.k) this.listener.keys(message.k)
    if (message.t) this.listener.tags(message.t)
    if (message.f) this.listener.filled(message.f)
  }

  /** The message in `raw`, or why it is dropped. Work is bounded by maxMessageBytes before any parsing. */
  private decode(raw: Buffer): BusMessage | RejectReason {
    if (raw.length > this.options.maxMessageBytes) return 'oversized'
    const json = this.authenticator ? this.authenticator.open(raw) : raw
    if (json === undefined) return 'unauthenticated'
    const message = decodeMessage(json, this.options.maxMessageItems)
    if (typeof message === 'string' || !this.authenticator) return message
    // Only authenticated sequence numbers can be relied on: without a secret, anyone could raise an
    // origin's number and have its real messages refused.
    const newest = this.newestSeq.get(message.o)
    if (newest !== undefined && message.s <= newest) return 'replayed'
    this.newestSeq.set(message.o, message.s)
    return message
  }

  /**
   * Said once per cache, without anyone listening for events: the usual cause is a process of the
   * namespace running without the secret (or with another one), whose invalidations are then lost here.
   */
  private warnUnauthenticatedOnce(): void {
    if (this.warnedUnauthenticated) return
    this.warnedUnauthenticated = true
    process.emitWarning(
      `tiercache dropped a message on bus channel ${this.channel} that was not authenticated with sync.bus.secret; every process of the namespace needs the same secret (counted in stats().bus.unauthenticated)`,
      { code: 'TIERCACHE_BUS_UNAUTHENTICATED' },
    )
  }

  private ownHeartbeat(seq: number): void {
    this.lastOwnHeartbeatAt = this.clock.now()
    const sentAt = this.heartbeatsSentAt.get(seq)
    // Heartbeats arrive in order: the ones sent before this one are delivered or lost.
    for (const sent of this.heartbeatsSentAt.keys()) if (sent <= seq) this.heartbeatsSentAt.delete(sent)
    if (sentAt !== undefined) this.listener.delivered(sentAt)
    if (this.healthy) return
    this.healthy = true
    this.listener.health(true)
  }

  private heartbeat(): void {
    if (!this.subscribed) return
    // send() numbers its message before anything else, so this heartbeat is number seq + 1.
    this.heartbeatsSentAt.set(this.seq + 1, this.clock.now())
    // While the bus is down none comes back: keep the newest few (a Map iterates oldest first).
    if (this.heartbeatsSentAt.size > 64)
      this.heartbeatsSentAt.delete(this.heartbeatsSentAt.keys().next().value as number)
    void this.send({ h: 1 })
  }

  /**
   * How long a proof of delivery is good for: the consistency bound, heartbeat interval plus timeout.
   * A heartbeat sent at `t` and heard proves every invalidation published before `t` was heard.
   */
  get trustWindowMs(): number {
    return this.options.heartbeatIntervalMs + this.options.heartbeatTimeoutMs
  }

  private markDown(): void {
    this.lastSeq.clear()
    if (!this.healthy) return
    this.healthy = false
    this.listener.health(false)
  }

  /**
   * Every heartbeat interval: publish a heartbeat, and count the bus down if the last one is overdue.
   * A tick that comes late means the event loop was blocked; timers run before pending socket reads,
   * so our heartbeats may be sitting unread: judge on the next tick, not this one.
   */
  private tick(): void {
    const now = this.clock.now()
    const blocked = now - this.lastTickAt > 2 * this.options.heartbeatIntervalMs
    this.lastTickAt = now
    if (blocked)
      this.lastOwnHeartbeatAt = Math.max(this.lastOwnHeartbeatAt, now - this.options.heartbeatIntervalMs)
    else if (this.healthy && now - this.lastOwnHeartbeatAt > this.options.heartbeatTimeoutMs) this.markDown()
    if (!this.healthy) this.renewIfSilent(now)
    this.heartbeat()
  }

  /**
   * Own heartbeats have not come back for two timeouts: the subscription may sit on a shard whose
   * master died (cluster). Subscribers that can start over do so; the outage rules above still apply.
   */
  private renewIfSilent(now: number): void {
    if (!this.subscriber.renew || this.renewing) return
    if (now - Math.max(this.lastOwnHeartbeatAt, this.lastRenewAt) < 2 * this.options.heartbeatTimeoutMs)
      return
    this.renewing = true
    this.lastRenewAt = now
    this.subscriber
      .renew()
      .catch((error: unknown) =>
        this.events.report('tierError', { tier: 'bus', operation: 'subscribe', error }),
      )
      .finally(() => {
        this.renewing = false
        this.lastRenewAt = this.clock.now()
      })
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.timer) clearInterval(this.timer)
    this.retryNow?.()
    this.unsubscribe()
    this.unwatchPublisher()
    this.healthy = false
    await this.subscriber.close()
  }
}
