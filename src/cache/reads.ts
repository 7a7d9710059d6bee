import { type Clock, coarseNow, isBeforePlain, systemClock } from '../clock.js'
import type { Entry } from '../entry.js'
import { InvalidOptionError } from '../errors.js'
import { assertValidKey, assertValidKeys, assertWellFormedKey, isShortValidKey } from '../keys.js'
import { type BatchLoader, loadMany } from '../load/batch.js'
import { dueForRefresh } from '../load/entries.js'
import type { Loader } from '../load/loads.js'
import type { LoadOptions, ResolvedWriteOptions, WriteOptions } from '../options.js'
import { judge, needsTagCheck, type Verdict } from '../stack/hit-rule.js'
import type { KeyLookup } from '../stack/read-path.js'
import type { Lease } from '../tiers/leases.js'
import { cloneDeep } from '../tiers/protect.js'
import type { LocalTier, SyncHit, Tier } from '../tiers/tier.js'
import { Trend } from '../trend.js'
import type { CacheParts } from './parts.js'

/** How many reads in a row it takes to change {@link CacheReads}'s mind about requesting the lease early. */
const TREND_LIMIT = 4

/** What a read of no tier found: the answer for a stack with nothing past the memory tier. */
const NOTHING_FOUND: KeyLookup = Object.freeze({ hit: undefined, stale: undefined, seen: 0 })

/**
 * The read side of a cache: `get`, `getOrLoad`, `has` and `getMany`. A read first asks the memory tier
 * synchronously (the L1 fast path: no promise until the end, no I/O), then walks the other tiers and,
 * for `getOrLoad` and `getMany`, calls the loader on a miss. Every entry is judged by the hit rule
 * (stack/hit-rule.ts), and every single-key read of the shared tiers starts here, with TierStack.readKey.
 */
export class CacheReads {
  /** The memory tier in front, if the stack starts with one. */
  private readonly l1: LocalTier | undefined
  private readonly maxKeyBytes: number
  /** The options of a call that passes none. */
  private readonly defaults: ResolvedWriteOptions
  private readonly refreshAheadByDefault: boolean
  /** Whether an L1 hit may return at once: no refresh ahead by default, and no `hit` listener to tell. */
  private fastHits: boolean
  private hitListened = false
  private readonly clock: Clock
  /** The cache's clock when it is not the system clock, whose coarse reading the L1 path uses instead. */
  private readonly injectedClock: Clock | undefined
  /** Whether recent reads of the shared tiers by `getOrLoad` mostly missed them all: then a read asks for the lease along with it. */
  private readonly sharedMisses = new Trend(TREND_LIMIT)

  constructor(private readonly parts: CacheParts) {
    this.clock = parts.options.clock
    this.injectedClock = this.clock === systemClock ? undefined : this.clock
    this.l1 = parts.stack.l1
    this.maxKeyBytes = parts.options.maxKeyBytes
    this.defaults = parts.writeOptions.resolve(undefined)
    this.refreshAheadByDefault = this.defaults.refreshAhead > 0
    this.fastHits = !this.refreshAheadByDefault
    parts.events.watch('hit', (listened) => {
      this.hitListened = listened
      this.fastHits = !listened && !this.refreshAheadByDefault
    })
  }

  get<V>(key: string): Promise<V | undefined> {
    // Only valid keys are ever written, so a memory hit needs no more than the fast path's check; the
    // full one (well-formed UTF-16 and, for long keys, the byte count) comes before any other read.
    const short = isShortValidKey(key, this.maxKeyBytes)
    let hit = short ? this.l1Hit(key) : undefined
    if (hit === undefined) {
      try {
        assertValidKey(key, this.maxKeyBytes)
      } catch (error) {
        return Promise.reject(error)
      }
      if (!short) hit = this.l1Hit(key)
    }
    if (hit === undefined) return this.getPastL1(key)
    if (this.hitListened) this.reportL1Hit(key)
    return (hit.settled ?? Promise.resolve(hit.entry.value)) as Promise<V>
  }

  /** `get` past the memory tier; its own method, so that `get`'s L1 path allocates no closure context. */
  private getPastL1<V>(key: string): Promise<V | undefined> {
    const { stack, startup } = this.parts
    if (!startup.done) return startup.wait().then(() => this.get<V>(key))
    // Reads of the shared tiers start here for get, has and getOrLoad alike: TierStack.readKey.
    return stack.readKey(key, ({ hit }) => {
      this.reportRead(key, hit?.tierIndex)
      return hit?.stored.entry.value as V | undefined
    })
  }

  /**
   * The L1 fast path: a call without options, a key too short to be over the byte limit, and a fresh
   * untagged entry in the memory tier are answered with that entry's settled promise — no allocation,
   * no I/O, nothing else to decide. Everything else goes through {@link getOrLoadChecked}, or, once the
   * memory tier has been read, {@link afterL1} (it had the key) or {@link loadPastL1} (it did not).
   */
  getOrLoad<V>(key: string, loader: Loader<V>, options: LoadOptions | undefined): Promise<V> {
    const l1 = this.l1
    if (
      l1 !== undefined &&
      options === undefined &&
      typeof loader === 'function' &&
      isShortValidKey(key, this.maxKeyBytes)
    ) {
      const now = this.l1Now()
      const hit = l1.readHit(key, now)
      if (hit === undefined) return this.loadPastL1(key, loader, this.defaults, undefined)
      if (isBeforePlain(now, hit.plainUntil) && this.fastHits) return hit.settled as Promise<V>
      return this.afterL1(key, loader, this.defaults, hit, now)
    }
    return this.getOrLoadChecked(key, loader, options)
  }

  /** `getOrLoad` with its arguments validated and its options resolved first. */
  private getOrLoadChecked<V>(key: string, loader: Loader<V>, options: LoadOptions | undefined): Promise<V> {
    let resolved: ResolvedWriteOptions
    try {
      assertValidKey(key, this.maxKeyBytes)
      if (typeof loader !== 'function')
        throw new InvalidOptionError(`getOrLoad needs a loader function; got ${typeof loader}`)
      resolved = this.parts.writeOptions.resolve(options)
    } catch (error) {
      return Promise.reject(error)
    }
    if (!this.parts.startup.done) return this.afterStart(key, loader, resolved, undefined)
    if (this.l1 === undefined) return this.loadPastL1(key, loader, resolved, undefined)
    const now = this.l1Now()
    return this.afterL1(key, loader, resolved, this.l1.readHit(key, now), now)
  }

  /**
   * A load asked for while the cache starts waits for its tiers (see cache/startup.ts); callers that
   * waited for the same key then share one load (single-flight), which reads the tiers below memory.
   */
  private afterStart<V>(
    key: string,
    loader: Loader<V>,
    resolved: ResolvedWriteOptions,
    l1Stale: Entry | undefined,
  ): Promise<V> {
    return this.parts.startup.wait().then(() => this.loadPastL1(key, loader, resolved, l1Stale))
  }

  /**
   * Decides on what the memory tier answered, by the hit rule: a fresh entry is returned
   * (refreshed ahead in the background when it is near its end); a stale one within grace goes on to
   * the load as its fallback value; a miss loads.
   */
  private afterL1<V>(
    key: string,
    loader: Loader<V>,
    resolved: ResolvedWriteOptions,
    hit: SyncHit | undefined,
    now: number,
  ): Promise<V> {
    const { loads } = this.parts
    let l1Stale: Entry | undefined
    if (hit !== undefined) {
      const entry = hit.entry
      const verdict = this.judgeL1(entry, now)
      if (verdict === 'fresh') {
        if (resolved.refreshAhead > 0 && dueForRefresh(entry, now, resolved.refreshAhead)) {
          // A value cloned for this read is this caller's: the refresh shares a copy of its own.
          const current = hit.cloneOnRead ? cloneDeep(entry.value) : entry.value
          loads.refreshAhead(key, loader, resolved, current as V, hit.cloneOnRead)
        }
        if (this.hitListened) this.reportL1Hit(key)
        return (hit.settled ?? Promise.resolve(entry.value)) as Promise<V>
      }
      if (verdict === 'stale') l1Stale = entry
    }
    return this.loadPastL1(key, loader, resolved, l1Stale)
  }

  /**
   * `getOrLoad` past the memory tier: waits for the cache's start if it is not over, then joins the
   * running load of `key`, or reads the shared tiers and loads on a miss (see Loads.afterMiss). The read comes before the flight: most calls that get here
   * are hits there and need no flight at all (concurrent reads of one key in one tick share a round
   * trip anyway, see read-batcher.ts). A flight that starts and fills the key while another caller's
   * read is under way can leave that caller a miss and a second load, the same window a lease leaves
   * between processes. `l1Stale` is a stale memory-tier entry already read.
   *
   * While most reads miss (a cold cache, long-tail keys), the lease is requested together with the
   * read rather than after it (see Loads.leaseWithRead); a read that hits gives it straight back.
   */
  private loadPastL1<V>(
    key: string,
    loader: Loader<V>,
    resolved: ResolvedWriteOptions,
    l1Stale: Entry | undefined,
  ): Promise<V> {
    // The fast path let the key through on its length alone; before any further read it must be well-formed.
    try {
      assertWellFormedKey(key)
    } catch (error) {
      return Promise.reject(error)
    }
    if (!this.parts.startup.done) return this.afterStart(key, loader, resolved, l1Stale)
    const { loads, stack } = this.parts
    const running = loads.join<V>(key)
    if (running !== undefined) return running
    if (stack.slowPathStart === stack.tiers.length) {
      // Nothing to read (a memory-only stack): the flight starts at once, so that a delete or close()
      // that follows this call reaches it.
      return this.afterSharedRead(key, loader, resolved, l1Stale, NOTHING_FOUND, undefined) as Promise<V>
    }
    const early = this.sharedMisses.rising ? loads.leaseWithRead(key) : undefined
    return stack.readKey(key, (found) => this.afterSharedRead(key, loader, resolved, l1Stale, found, early))
  }

  /**
   * `getOrLoad` once the shared tiers answered: a hit is returned (refreshed ahead when near its end)
   * and the lease requested with the read (`early`) given back; a miss loads.
   */
  private afterSharedRead<V>(
    key: string,
    loader: Loader<V>,
    resolved: ResolvedWriteOptions,
    l1Stale: Entry | undefined,
    found: KeyLookup,
    early: Promise<Lease> | undefined,
  ): V | Promise<V> {
    const { hit } = found
    const { loads } = this.parts
    this.sharedMisses.note(hit === undefined)
    this.reportRead(key, hit?.tierIndex)
    if (hit === undefined) return loads.afterMiss(key, loader, resolved, l1Stale, found, early)
    if (early !== undefined) loads.giveBack(key, early)
    const { entry } = hit.stored
    if (resolved.refreshAhead > 0 && dueForRefresh(entry, this.clock.now(), resolved.refreshAhead))
      loads.refreshAhead(key, loader, resolved, cloneDeep(entry.value) as V, true)
    return entry.value as V
  }

  async has(key: string): Promise<boolean> {
    const { options, stack } = this.parts
    assertValidKey(key, options.maxKeyBytes)
    if (this.l1Hit(key) !== undefined) return true
    if (!this.parts.startup.done) await this.parts.startup.wait()
    return stack.readKey(key, ({ hit }) => hit !== undefined)
  }

  async getMany<V>(
    keys: readonly string[],
    batchLoader: BatchLoader<V> | undefined,
    options: WriteOptions | undefined,
  ): Promise<(V | undefined)[]> {
    const { parts } = this
    assertValidKeys(keys, parts.options.maxKeyBytes)
    if (batchLoader !== undefined && typeof batchLoader !== 'function') {
      throw new InvalidOptionError(`getMany batchLoader must be a function; got ${typeof batchLoader}`)
    }
    const values = await this.readMany(keys, 0, batchLoader, parts.writeOptions.resolve(options))
    return keys.map((key) => values.get(key) as V | undefined)
  }

  /**
   * Reads keys through the tiers from `from` on (back-filling hits into every tier above), then loads
   * what no tier had with `batchLoader`, if given.
   */
  async readMany<V>(
    keys: readonly string[],
    from: number,
    batchLoader: BatchLoader<V> | undefined,
    resolved: ResolvedWriteOptions,
  ): Promise<Map<string, unknown>> {
    const { stack, flights, events, options, loads, startup } = this.parts
    if (!startup.done) await startup.wait()
    const values = new Map<string, unknown>()
    const found = await stack.read([...new Set(keys)], from, this.clock.now())
    for (const [key, hit] of found.hits) values.set(key, hit.stored.entry.value)
    if (events.listened('hit') || events.listened('miss')) {
      for (const [key, hit] of found.hits) this.reportRead(key, hit.tierIndex)
      for (const key of found.missing) this.reportRead(key, undefined)
    }
    if (batchLoader !== undefined && found.missing.length > 0) {
      const context = { stack, flights, events, options, counters: loads.loaderCounters }
      await loadMany(context, found.missing, batchLoader, resolved, values)
    }
    return values
  }

  private reportL1Hit(key: string): void {
    this.parts.events.report('hit', { key, tier: (this.l1 as LocalTier).name })
  }

  /** Reports a read of `key` that hit the tier at `tierIndex`, or missed every tier. */
  private reportRead(key: string, tierIndex: number | undefined): void {
    const { events, tiers } = this.parts
    if (tierIndex === undefined) {
      if (events.listened('miss')) events.report('miss', { key })
    } else if (events.listened('hit')) events.report('hit', { key, tier: (tiers[tierIndex] as Tier).name })
  }

  /** The time for a memory-tier read: the system clock's coarse reading (see clock.ts), or the injected clock. */
  private l1Now(): number {
    return this.injectedClock === undefined ? coarseNow() : this.injectedClock.now()
  }

  /**
   * The L1 fast path of `get` and `has`: a synchronous memory read of a fresh entry — no promise, no
   * option parsing, no I/O. Tagged entries are checked against tag versions held in memory (kept
   * current by the bus).
   */
  private l1Hit(key: string): SyncHit | undefined {
    if (this.l1 === undefined) return undefined
    const now = this.l1Now()
    const hit = this.l1.readHit(key, now)
    if (hit === undefined) return undefined
    // Fresh and untagged, as the memory tier worked out when it stored the entry.
    if (isBeforePlain(now, hit.plainUntil)) return hit
    return this.judgeL1(hit.entry, now) === 'fresh' ? hit : undefined
  }

  /** The hit rule for a memory-tier entry, its tags checked against the versions held in memory. */
  private judgeL1(entry: Entry, now: number): Verdict {
    const verdict = judge(entry, now)
    if (!needsTagCheck(entry, verdict)) return verdict
    return judge(entry, now, this.parts.sync.tags.validSync(entry))
  }
}
