import { BoundedMap } from '../bounded-map.js'
import type { CacheEvents } from '../cache-events.js'
import type { Entry } from '../entry.js'
import type { ResolvedCacheOptions, ResolvedWriteOptions } from '../options.js'
import type { Hit, KeyLookup } from '../stack/read-path.js'
import type { TierStack } from '../stack/tier-stack.js'
import { type Lease, Leases } from '../tiers/leases.js'
import type { LeaseHandoff } from '../tiers/tier.js'
import type { StaleReason } from '../types/stale-reason.js'
import { writeOptionsFor } from './caching-choice.js'
import { fillLoaded, newestServable } from './entries.js'
import type { Flight, Flights } from './flights.js'
import type { LoaderContext } from './loader-context.js'
import { LoaderCounters, runLoader } from './loader-run.js'

export type { LoaderContext }

/** Produces the value of a key on a miss. Returning `undefined` caches nothing; `null` is cached. */
export type Loader<V> = (context: LoaderContext) => V | Promise<V>

const NO_LEASE: Lease = Object.freeze({ kind: 'none' })

/**
 * Single-key loads with load protection (getOrLoad's slow path, once its read of the shared tiers,
 * started in cache/reads.ts, missed):
 * - single-flight in this process, and a lease across processes (one loader call cluster-wide);
 * - stale-while-revalidate within grace, refresh-ahead near the end of the fresh period;
 * - fail-safe: a failed or timed-out load is answered with the stale value, and the loader is not
 *   called again for that key until the back-off has passed;
 * - soft and hard timeouts.
 */
export class Loads {
  readonly loaderCounters = new LoaderCounters()
  staleServed = 0
  refreshes = 0
  leaseWaits = 0
  private readonly backoffUntil = new BoundedMap<string, number>(10_000)

  constructor(
    private readonly stack: TierStack,
    private readonly flights: Flights,
    private readonly events: CacheEvents,
    private readonly options: ResolvedCacheOptions,
    readonly leases: Leases | undefined,
  ) {}

  /** Joins the running load of `key`, if there is one. */
  join<V>(key: string): Promise<V> | undefined {
    const running = this.flights.get(key)
    if (running === undefined) return undefined
    this.flights.joins++
    return running.share() as Promise<V>
  }

  /**
   * The lease for a load of `key`, requested before its read of the shared tiers (while most reads
   * miss them): the request goes out in the same write to the coordinator as the read, so a miss
   * waits one round trip less. Version 0: the lease is refused as 'changed' if the coordinator holds
   * any entry of the key. The read must follow in the same turn: the coordinator may answer its own
   * tier's read of the key with the lease request. Undefined without leases.
   */
  leaseWithRead(key: string): Promise<Lease> | undefined {
    return this.leases?.acquire(key, 0, true)
  }

  /**
   * Loads `key` after a read of the shared tiers missed (`found`): joins the key's flight if one
   * started meanwhile (concurrent misses share one load: the first to see its miss starts it), else
   * starts one. `l1Stale` is a stale memory-tier entry already read; `early` the lease requested along
   * with the read, handed to the flight this call starts, else given back.
   */
  afterMiss<V>(
    key: string,
    loader: Loader<V>,
    options: ResolvedWriteOptions,
    l1Stale: Entry | undefined,
    found: KeyLookup,
    early: Promise<Lease> | undefined,
  ): Promise<V> {
    const running = this.join<V>(key)
    if (running !== undefined) {
      if (early !== undefined) this.giveBack(key, early)
      return running
    }
    const flight = this.flights.start(key) as Flight<V>
    void this.runFlight(flight, loader, options, l1Stale, found, early)
    return flight.share()
  }

  /** Releases a lease requested along with a read that turned out not to need it. */
  giveBack(key: string, early: Promise<Lease>): void {
    void this.stack.track(early.then((lease) => this.leases?.release(key, lease)))
  }

  /**
   * Refreshes a still-fresh `current` value in the background (refresh-ahead), unless already under
   * way. `copyEach`: `current` is a copy no caller holds, and each caller joining gets a copy of it.
   */
  refreshAhead<V>(
    key: string,
    loader: Loader<V>,
    options: ResolvedWriteOptions,
    current: V,
    copyEach = false,
  ): void {
    if (this.flights.get(key) !== undefined || this.backingOff(key)) return
    const flight = this.flights.start(key) as Flight<V>
    flight.resolve(current, copyEach) // callers joining meanwhile get the current value, still fresh
    void this.revalidate(flight, loader, options).finally(() => this.flights.finish(flight))
  }

  /**
   * Runs one flight after its read missed (`found`), with the lease requested along with the read if
   * any (`early`). Never rejects: errors go to the flight's callers.
   */
  private async runFlight<V>(
    flight: Flight<V>,
    loader: Loader<V>,
    options: ResolvedWriteOptions,
    l1Stale: Entry | undefined,
    found: KeyLookup,
    early: Promise<Lease> | undefined,
  ): Promise<void> {
    const { key } = flight
    try {
      const stale = newestServable(this.options.clock.now(), l1Stale, found.stale?.stored.entry)
      const backingOff = this.backingOff(key)
      if (stale !== undefined && (options.staleWhileRevalidate || backingOff)) {
        this.serveStale(flight, stale, backingOff ? 'backoff' : 'revalidate')
        await this.revalidate(flight, loader, options, early, found.seen)
        return
      }
      await this.loadForCaller(flight, loader, options, stale, found.seen, early)
    } catch (error) {
      flight.reject(error)
    } finally {
      this.flights.finish(flight)
    }
  }

  /**
   * A background refresh (stale-while-revalidate, refresh-ahead): once across processes; failures start
   * the back-off. `seenVersion`: the newest version the read that found the entry stale saw; if the key
   * holds a newer one by the time the lease is asked for, another process has refreshed it already.
   */
  private async revalidate<V>(
    flight: Flight<V>,
    loader: Loader<V>,
    options: ResolvedWriteOptions,
    early?: Promise<Lease>,
    seenVersion?: number,
  ): Promise<void> {
    if (this.backingOff(flight.key)) {
      if (early !== undefined) this.giveBack(flight.key, early)
      return
    }
    const lease = await this.leaseAfterRead(flight.key, early, seenVersion)
    // Another process is refreshing it, or has just done so.
    if (lease.kind === 'taken' || lease.kind === 'changed') return
    this.refreshes++
    try {
      await this.loadAndFill(flight, loader, options, lease, undefined)
    } catch {
      this.backOff(flight.key)
    }
  }

  /**
   * A load someone is waiting for: under the key's lease, or after the process holding it has filled
   * it. `seenVersion` is the newest version the caller's read saw: if the key was filled since (a load
   * elsewhere finished between that read and the lease request), it is read again instead.
   */
  private async loadForCaller<V>(
    flight: Flight<V>,
    loader: Loader<V>,
    options: ResolvedWriteOptions,
    stale: Entry | undefined,
    seenVersion: number,
    early: Promise<Lease> | undefined,
  ): Promise<void> {
    let lease = await this.leaseAfterRead(flight.key, early, seenVersion)
    if (lease.kind === 'changed') {
      const hit = await this.readAgain(flight.key)
      // Values read from a tier are shared by this flight's callers: each gets a copy (if protected).
      if (hit !== undefined) return flight.resolve(hit.stored.entry.value as V, true)
      lease = await this.tryLease(flight.key)
    }
    if (lease.kind === 'taken') {
      const waited = await this.waitForHolder(flight)
      if (waited.found) return flight.resolve(waited.value as V, true)
      lease = waited.lease
    }
    try {
      await this.loadAndFill(flight, loader, options, lease, stale)
    } catch (error) {
      if (stale === undefined) throw error
      this.backOff(flight.key)
      this.serveStale(flight, stale, 'fail-safe')
    }
  }

  /**
   * Calls the loader (with its timeouts) and writes the value to every tier, under the version taken
   * before the loader ran. The flight is resolved as
   * soon as the value is in the memory tier; the lease is released (by the coordinator's write where it
   * can, see leases.ts), and waiters woken, once the shared tiers hold it.
   */
  private async loadAndFill<V>(
    flight: Flight<V>,
    loader: Loader<V>,
    options: ResolvedWriteOptions,
    lease: Lease,
    stale: Entry | undefined,
  ): Promise<void> {
    const { key } = flight
    const handoff: LeaseHandoff | undefined =
      lease.kind === 'held' ? { key, token: lease.token, released: false, awaited: false } : undefined
    try {
      // The lease brought the clock along; without one, read it now (before the loader runs).
      const startVersion = await this.stack.startVersion(lease.kind === 'held' ? lease.clock : undefined)
      flight.throwIfAborted()
      const value = await runLoader(
        key,
        () => loader(flight.loaderContext(this.options)),
        {
          hardTimeoutMs: options.hardTimeoutMs,
          softTimeoutMs: stale === undefined ? undefined : options.softTimeoutMs,
          onSoftTimeout:
            stale === undefined ? undefined : () => this.serveStale(flight, stale, 'soft-timeout'),
          abort: (reason) => flight.abort(reason),
          aborted: flight.whenAborted(),
        },
        this.loaderCounters,
        this.events,
      )
      const writeOptions = writeOptionsFor(flight.choice, options)
      if (value === undefined || writeOptions === undefined) {
        // Nothing is cached, so nothing to wait for: the next caller must load again.
        this.flights.finish(flight)
        return flight.resolve(value)
      }
      const filling = fillLoaded(
        this.stack,
        this.options,
        [[key, value]],
        startVersion,
        writeOptions,
        [flight],
        handoff,
      )
      const served = this.stack.served(filling.fills[0], value)
      flight.resolve(served.value as V, served.cloneOnRead)
      await filling.done
    } finally {
      await this.leases?.release(key, lease, handoff)
    }
  }

  /** Waits for the process holding the lease to fill the key; takes the lease over if it is given up or expires. */
  private async waitForHolder(
    flight: Pick<Flight, 'key' | 'throwIfAborted'>,
  ): Promise<{ found: true; value: unknown } | { found: false; lease: Lease }> {
    const leases = this.leases as Leases
    this.leaseWaits++
    const deadline = this.options.clock.now() + leases.ttlMs + leases.pollIntervalMs
    let changed = false
    while (this.options.clock.now() < deadline) {
      // After a 'changed' answer the key was just written: read it again at once.
      if (!changed) await leases.wait(flight.key, leases.pollIntervalMs)
      flight.throwIfAborted()
      const found = await this.stack.readKey(flight.key, asIs)
      if (found.hit !== undefined) return { found: true, value: found.hit.stored.entry.value }
      // The version check only once in a row: bytes only Redis sees as newer (say, an entry of a
      // serializer this process lacks) must not keep it re-reading.
      const lease = await leases.acquire(flight.key, changed ? undefined : found.seen)
      changed = lease.kind === 'changed'
      if (lease.kind !== 'taken' && !changed) return { found: false, lease }
    }
    // A whole lease period without a value: load anyway, so no caller waits forever.
    return { found: false, lease: NO_LEASE }
  }

  /**
   * The lease for a load after its read: the one requested along with the read (`early`), or else a
   * request now. The early request was checked against "no entry at all", so when the read did see an
   * entry (stale, a tombstone) or the caller wants no check (`seenVersion` undefined), its 'changed'
   * says nothing new and the lease is asked for again, as it would have been without it.
   */
  private async leaseAfterRead(
    key: string,
    early: Promise<Lease> | undefined,
    seenVersion: number | undefined,
  ): Promise<Lease> {
    if (early === undefined) return this.tryLease(key, seenVersion)
    const lease = await early
    if (lease.kind === 'changed' && seenVersion !== 0) return this.tryLease(key, seenVersion)
    return lease
  }

  private tryLease(key: string, seenVersion?: number): Promise<Lease> {
    return this.leases ? this.leases.acquire(key, seenVersion) : Promise.resolve(NO_LEASE)
  }

  private readAgain(key: string): Promise<Hit | undefined> {
    return this.stack.readKey(key, (found) => found.hit)
  }

  private serveStale<V>(flight: Flight<V>, stale: Entry, reason: StaleReason): void {
    this.staleServed++
    this.events.report('staleServed', { key: flight.key, reason })
    // A stale value may be a memory tier's frozen one or one read from Redis: a copy for each caller.
    flight.resolve(stale.value as V, true)
  }

  private backOff(key: string): void {
    this.backoffUntil.set(key, this.options.clock.now() + this.options.load.failSafeBackoffMs)
  }

  private backingOff(key: string): boolean {
    const until = this.backoffUntil.get(key)
    return until !== undefined && until > this.options.clock.now()
  }
}

export { Leases }

function asIs(found: KeyLookup): KeyLookup {
  return found
}
