import type { CacheEvents } from '../cache-events.js'
import type { Clock } from '../clock.js'
import type { Entry } from '../entry.js'
import type { RedisBusLink } from '../tiers/redis/redis-coordinator.js'
import type { Coordinator, Fill, LocalTier, Tier } from '../tiers/tier.js'
import type { BusStats } from './bus-counters.js'
import type { BusOptions } from './bus-options.js'
import { ClientTracking } from './client-tracking.js'
import { type BusListener, InvalidationBus } from './invalidation-bus.js'
import { OwnWrites } from './own-writes.js'
import { TagVersions } from './tag-versions.js'
import { type ChangeHandler, TrackedChanges } from './tracked-changes.js'

/** How memory tiers learn about writes made by other processes (option `sync` of createCache). */
export interface SyncOptions {
  /** Invalidation over Redis pub/sub between tiercache processes. Default on when there is a Redis tier. */
  bus?: boolean | BusOptions
  /**
   * Server-assisted invalidation (Redis client-side caching, broadcast mode) on the coordinating tier,
   * so that writes by any client — redis-cli, another language — invalidate memory tiers. Default off.
   */
  tracking?: boolean
}

/** The loads in flight (load/flights.ts): an invalidation stops them from filling the keys it dropped. */
export interface InvalidatedLoads {
  invalidate(key: string): void
  invalidateAll(): void
}

/**
 * Keeps this process's memory tiers consistent with what other processes do: applies their key and
 * tag invalidations, and stops trusting memory (suspends it) whenever invalidations could be missed
 * (bus or tracking down), dropping every entry filled before when it comes back.
 */
export class Synchronizer {
  readonly tags: TagVersions
  readonly bus: InvalidationBus | undefined
  private readonly tracking: ClientTracking | undefined
  private readonly local: LocalTier[]

  constructor(
    tiers: readonly Tier[],
    coordinator: Coordinator<RedisBusLink> | undefined,
    private readonly flights: InvalidatedLoads,
    private readonly events: CacheEvents,
    private readonly tombstoneTtlMs: number,
    options: SyncOptions,
    private readonly clock: Clock,
  ) {
    this.local = tiers.filter((tier): tier is LocalTier => tier.local)
    const useBus = coordinator !== undefined && options.bus !== false
    const useTracking = coordinator !== undefined && options.tracking === true
    this.tags = new TagVersions(coordinator ? (tags) => coordinator.readTagVersions(tags) : undefined)
    if (coordinator && useBus) {
      const { connection, namespacePrefix } = coordinator.bus
      this.bus = new InvalidationBus(
        connection,
        connection.createSubscriber(),
        `${namespacePrefix}#bus`,
        this.busListener(),
        events,
        typeof options.bus === 'object' ? options.bus : {},
        clock,
      )
    }
    if (coordinator && useTracking) {
      const link = coordinator.bus
      const tracker = link.connection.createTracker()
      const ownWrites = new OwnWrites()
      link.useWriter(tracker, ownWrites.record)
      const changes = new TrackedChanges(
        link.namespacePrefix,
        coordinator,
        ownWrites,
        this.trackedChangeHandler(),
      )
      this.tracking = new ClientTracking(
        tracker,
        link.namespacePrefix,
        {
          key: (redisKey) => changes.changed(redisKey),
          flush: () => this.dropAll(),
          health: () => this.setTrusted(this.healthy),
        },
        events,
      )
    }
    if (this.bus || this.tracking) this.setTrusted(false)
  }

  /** Starts listening. Memory tiers stay suspended until every enabled channel is healthy. */
  start(): void {
    this.tracking?.start()
    void this.bus?.start()
  }

  /** The bus's counters (undefined without a bus). */
  get busStats(): BusStats | undefined {
    return this.bus?.counters.snapshot()
  }

  /** True when memory tiers can be trusted (every enabled invalidation channel is healthy). */
  get healthy(): boolean {
    return (this.bus?.isHealthy ?? true) && (this.tracking?.isHealthy ?? true)
  }

  /** Tells other processes these keys now hold these versions (sets) or tombstones (deletes). */
  keysWritten(fills: readonly Fill[]): Promise<void> {
    return (
      this.bus?.publish({ keys: fills.map((fill) => [fill.key, fill.entry.version] as const) }) ??
      Promise.resolve()
    )
  }

  tagsInvalidated(tags: readonly string[], version: number): Promise<void> {
    this.flights.invalidateAll()
    for (const tag of tags) this.tags.invalidated(tag, version)
    return this.bus?.publish({ tags: tags.map((tag) => [tag, version] as const) }) ?? Promise.resolve()
  }

  cleared(): Promise<void> {
    this.flights.invalidateAll()
    return this.bus?.publish({ clear: true }) ?? Promise.resolve()
  }

  private busListener(): BusListener {
    return {
      keys: (keys) => this.applyKeys(keys),
      tags: (tags) => {
        this.flights.invalidateAll()
        // The message's version is not adopted: anyone who can publish could send 1e300 and no later
        // version would ever overtake it. Forgetting the tag makes the next check read the coordinator's.
        for (const [tag] of tags) this.tags.forget(tag)
        this.events.report('invalidated', { keys: [], tags: tags.map(([tag]) => tag) })
      },
      clear: () => {
        this.flights.invalidateAll()
        for (const tier of this.local) void tier.clear()
      },
      delivered: (sentAt) => {
        const deadline = sentAt + (this.bus as InvalidationBus).trustWindowMs
        for (const tier of this.local) tier.trustUntil(deadline)
      },
      health: () => this.setTrusted(this.healthy),
      lost: () => this.dropAll(),
      filled: (keys) => this.onFilled?.(keys),
    }
  }

  /** Called with keys another process filled under a lease (see tiers/leases.ts). */
  onFilled: ((keys: readonly string[]) => void) | undefined

  /** Tells waiting processes these keys were filled. */
  announceFilled(keys: readonly string[]): Promise<void> {
    return this.bus?.publish({ filled: keys }) ?? Promise.resolve()
  }

  /** Applies a change client tracking reported, read back with the version the key now holds. */
  private trackedChangeHandler(): ChangeHandler {
    return {
      entry: (key, version, own) => {
        if (version === undefined) {
          // Gone, not an entry, or unreadable: the version is unknown, so fence off values read before now.
          for (const tier of this.local) tier.fence(key, this.tombstoneTtlMs)
        } else {
          // Copies of this version or newer are current; older ones (even our own, written late) are not.
          for (const tier of this.local) tier.supersede(key, version, this.tombstoneTtlMs)
          if (own) return
        }
        this.flights.invalidate(key)
        this.events.report('invalidated', { keys: [key], tags: [] })
      },
      tag: (tag, version) => {
        // A version known here already (our own invalidateTags, or one the bus brought) changes nothing.
        if (version !== undefined && this.tags.knows(tag, version)) return
        this.flights.invalidateAll()
        if (version === undefined) this.tags.forget(tag)
        else this.tags.apply(tag, version)
      },
    }
  }

  /** Another process wrote these keys: a tombstone at that version refuses older fills here. */
  private applyKeys(keys: readonly (readonly [string, number])[]): void {
    const now = this.clock.now()
    const fills: Fill[] = keys.map(([key, version]) => {
      this.flights.invalidate(key)
      const entry: Entry = {
        value: undefined,
        version,
        createdAt: now,
        freshUntil: now,
        staleUntil: now + this.tombstoneTtlMs,
        tags: [],
        tombstone: true,
      }
      return { key, entry, payload: undefined, versioning: 'given' }
    })
    for (const tier of this.local) void tier.write(fills, now)
    this.events.report('invalidated', { keys: keys.map(([key]) => key), tags: [] })
  }

  /** Every entry in memory may be stale (a lost message, a flush): drop them all in O(1). */
  private dropAll(): void {
    this.flights.invalidateAll()
    this.tags.reset()
    for (const tier of this.local) tier.invalidateAll()
  }

  /** Whether memory tiers are in use; undefined until the first decision. */
  private trusted: boolean | undefined

  /** Suspends or resumes memory tiers, and says so once per change. */
  private setTrusted(trusted: boolean): void {
    if (trusted === this.trusted) return
    this.trusted = trusted
    this.tags.trusted = trusted
    for (const tier of this.local) {
      if (trusted) tier.resume()
      else tier.suspend()
    }
    this.events.report('syncState', { healthy: trusted })
  }

  async close(): Promise<void> {
    await Promise.all([this.bus?.close(), this.tracking?.close()])
  }
}
