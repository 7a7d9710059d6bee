import type { CacheEvents } from '../cache-events.js'
import type { RedisTracker } from '../tiers/redis/connection.js'

/** What server-assisted invalidation tells the cache. */
export interface TrackingListener {
  /** A key under our prefix changed, written by any client (redis-cli, another language, this process…). */
  key(redisKey: string): void
  /** The server dropped everything (FLUSHALL/FLUSHDB), or we cannot tell what changed. */
  flush(): void
  /** Tracking stopped (false) or is active again (true). */
  health(healthy: boolean): void
}

/**
 * Redis client-side caching in broadcast mode: `CLIENT TRACKING ON BCAST PREFIX <ours> NOLOOP` on a
 * RESP3 connection, so Redis pushes the name of every key under our prefix that any client modifies.
 * The push arrives on the tracking connection itself (no REDIRECT), so there is no redirect to break;
 * when that connection drops, invalidations may have been missed and the cache drops its memory tiers'
 * entries, as for a flush. The cache sends its own writes to the coordinating tier through this
 * connection, so NOLOOP keeps its plain commands from echoing back; its scripted writes still come
 * back (Redis 7.0, broadcast mode), which tracked-changes.ts tells apart by version.
 */
export class ClientTracking {
  private readonly unsubscribers: (() => void)[] = []
  private healthy = false

  constructor(
    readonly connection: RedisTracker,
    private readonly prefix: string,
    private readonly listener: TrackingListener,
    private readonly events: CacheEvents,
  ) {}

  start(): void {
    this.unsubscribers.push(
      this.connection.onInvalidate((key) =>
        key === null ? this.listener.flush() : this.listener.key(key.toString('utf8')),
      ),
      this.connection.onStateChange((ready) => (ready ? void this.enable() : this.down())),
    )
    if (this.connection.isReady()) void this.enable()
  }

  get isHealthy(): boolean {
    return this.healthy
  }

  /** (Re)enables broadcast tracking; the connection's handshake turned default tracking on, so switch it off first. */
  private async enable(): Promise<void> {
    try {
      await this.connection.send(['CLIENT', 'TRACKING', 'OFF'])
      await this.connection.send(['CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', this.prefix, 'NOLOOP'])
      this.healthy = true
      this.listener.health(true)
    } catch (error) {
      this.events.report('tierError', { tier: 'tracking', operation: 'enable', error })
      this.down()
    }
  }

  private down(): void {
    if (!this.healthy) return
    this.healthy = false
    this.listener.health(false)
  }

  async close(): Promise<void> {
    for (const unsubscribe of this.unsubscribers) unsubscribe()
    this.healthy = false
    await this.connection.close()
  }
}
