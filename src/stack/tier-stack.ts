import { type Clock, systemClock } from '../clock.js'
import type { Entry } from '../entry.js'
import { InvalidOptionError } from '../errors.js'
import type {
  Coordinator,
  Fill,
  LocalTier,
  ServedValue,
  SharedTier,
  Tier,
  WriteOutcome,
} from '../tiers/tier.js'
import { Trend } from '../trend.js'
import {
  backfillsFor,
  type Hit,
  type KeyLookup,
  type KeyReadWatcher,
  type LookupResult,
  lookup,
  lookupKey,
  type TagCheck,
} from './read-path.js'
import { type IdleReport, UnwrittenFills } from './unwritten-fills.js'
import { VersionClock } from './version-clock.js'

/** How many single-key reads in a row it takes to change {@link TierStack}'s mind about reading tiers together. */
const TOGETHER_TREND_LIMIT = 4

/**
 * The ordered tiers of one cache, and the two ways values move through them: reads that walk down
 * and back-fill upward, and versioned writes that go to every tier.
 */
export class TierStack {
  readonly tiers: readonly Tier[]
  /** Tier 0 when it is local (a memory tier): the L1 fast path. */
  readonly l1: LocalTier | undefined
  /** The tier that coordinates (issues versions, keeps tags and leases), if any. */
  readonly coordinatorTier: SharedTier | undefined
  /** What {@link coordinatorTier} offers as the coordinator, appointed by this stack. */
  readonly coordinator: Coordinator | undefined
  private readonly local: readonly LocalTier[]
  private readonly shared: readonly SharedTier[]
  readonly clock = new VersionClock()
  private readonly background = new Set<Promise<unknown>>()
  /** Background fills a tier did not answer for, until `idle()` reports them. */
  private readonly unwritten = new UnwrittenFills()
  /** Whether recent single-key reads mostly went past the first tier they asked: then every tier is asked at once. */
  private readonly pastFirstTier = new Trend(TOGETHER_TREND_LIMIT)

  constructor(
    tiers: readonly Tier[],
    coordinatorName: string | undefined,
    private readonly checkTags: TagCheck,
    /** The cache option `clock`: reads are stamped with its monotonic reading (see Fill.observedAt). */
    private readonly time: Clock = systemClock,
  ) {
    this.tiers = tiers
    const first = tiers[0]
    this.l1 = first?.local ? first : undefined
    this.local = tiers.filter((tier): tier is LocalTier => tier.local)
    this.shared = tiers.filter((tier): tier is SharedTier => !tier.local)
    this.coordinatorTier = chooseCoordinator(this.shared, coordinatorName)
    this.coordinator = this.coordinatorTier?.coordinator
    this.coordinator?.appoint()
  }

  /** Index of the first tier the slow path reads (the L1 was already asked by the fast path). */
  get slowPathStart(): number {
    return this.l1 ? 1 : 0
  }

  /** Reads keys through the tiers from `from` on, and back-fills every hit into the tiers above it. */
  read(keys: readonly string[], from: number, now: number): Promise<LookupResult> {
    // A single tier has no tier above it to back-fill.
    if (this.tiers.length === 1) return lookup(this.tiers, keys, from, now, this.checkTags)
    const observedAt = this.time.monotonic()
    return lookup(this.tiers, keys, from, now, this.checkTags).then((result) => {
      if (result.hits.size > 0) this.backfill(result.hits, now, observedAt)
      return result
    })
  }

  /**
   * {@link read} for one key past the memory tier (from {@link slowPathStart}, at the cache clock's
   * now): where every single-key read of the shared tiers starts (`get`, `has` and `getOrLoad`, and a
   * load's lease waits). The answer goes to `use` (see lookupKey). While most single-key reads go past
   * the first tier they ask (a hot tier that lost the key, or a cold cache), every tier is asked at
   * once rather than one after the other: a miss then waits one round trip for all of them, and the
   * answer is the same. Reads that stop at the first tier switch it off again.
   */
  readKey<R>(key: string, use: (found: KeyLookup) => R | PromiseLike<R>): Promise<R> {
    const from = this.slowPathStart
    const now = this.time.now()
    if (this.tiers.length === 1) return lookupKey(this.tiers, key, from, now, this.checkTags, use)
    const observedAt = this.time.monotonic()
    const together = this.tiers.length - from > 1 && this.pastFirstTier.rising
    return lookupKey(this.tiers, key, from, now, this.checkTags, use, together, this.keyReads, observedAt)
  }

  /** What the stack does with each single-key read's answer: notes how far it went, and back-fills a hit. */
  private readonly keyReads: KeyReadWatcher = {
    keyRead: (key, { hit }, from, now, observedAt) => {
      if (this.tiers.length - from > 1) this.pastFirstTier.note(hit === undefined || hit.tierIndex > from)
      if (hit !== undefined && hit.tierIndex > 0) this.backfill([[key, hit]], now, observedAt)
    },
  }

  private backfill(hits: Iterable<readonly [string, Hit]>, now: number, observedAt: number): void {
    const perTier = backfillsFor(hits, this.tiers.length, observedAt)
    perTier.forEach((fills, index) => {
      if (fills.length > 0) this.trackWrite(this.tiers[index] as Tier, fills, now)
    })
  }

  /**
   * A load's start version, no older than any invalidation already applied: the clock read with the
   * load's lease, or else one read from the coordinator now, or else the highest clock this process
   * has seen (see version-clock.ts).
   */
  async startVersion(known: number | undefined): Promise<number> {
    if (known !== undefined) {
      this.clock.observe(known)
      return known
    }
    const clock = await this.coordinator?.readClock()
    if (clock !== undefined) {
      this.clock.observe(clock)
      return clock
    }
    return this.coordinator ? this.clock.highestSeen : this.clock.next()
  }

  /**
   * Writes fills that carry a version already (loads): memory tiers at once, so this process reads its
   * own value as soon as the load returns, then the shared tiers. Where the coordinator refuses a fill
   * because it holds a newer version (a later set, or a delete's tombstone), the local copy is
   * discarded again. Returns a promise for the shared writes.
   */
  async writeGiven(fills: readonly Fill[], now: number, local: readonly Fill[]): Promise<void> {
    this.writeLocal(local, now)
    const coordinatorOutcomes = await this.writeShared(fills, now, undefined, this.unwritten)
    fills.forEach((fill, i) => {
      if (!refused(coordinatorOutcomes?.[i])) return
      for (const tier of this.local) tier.discard(fill.key, fill.entry.version)
    })
  }

  /**
   * Writes fills that need a new version (sets and deletes): the coordinator issues it atomically with
   * its own write, then every other tier gets the entry with that version.
   */
  async writeIssued(fills: readonly Fill[], now: number): Promise<Fill[]> {
    let issued: Fill[]
    if (this.coordinatorTier) {
      const outcomes = await this.coordinatorTier.write(
        fills.map((fill) => ({ ...fill, versioning: 'issue' as const })),
        now,
      )
      issued = []
      fills.forEach((fill, i) => {
        const outcome = outcomes[i]
        if (refused(outcome)) return
        const written = outcome?.written === true && outcome.version !== undefined
        const versioned = withVersion(fill, written ? (outcome.version as number) : this.clock.next())
        this.clock.observe(versioned.entry.version)
        if (!written) this.coordinator?.remember(versioned)
        issued.push(versioned)
      })
    } else {
      issued = fills.map((fill) => withVersion(fill, this.clock.next()))
    }
    await this.writeShared(issued, now, this.coordinatorTier)
    this.writeLocal(issued, now)
    return issued
  }

  /**
   * Writes to every shared tier (except `skip`), noting in `unwritten` (background fills) what a
   * tier did not answer for; returns the coordinator's outcomes if it was written.
   */
  private async writeShared(
    fills: readonly Fill[],
    now: number,
    skip: Tier | undefined,
    unwritten?: UnwrittenFills,
  ): Promise<WriteOutcome[] | undefined> {
    if (fills.length === 0) return undefined
    const shared = skip === undefined ? this.shared : this.shared.filter((tier) => tier !== skip)
    const outcomes = await Promise.all(shared.map((tier) => tier.write(fills, now)))
    shared.forEach((tier, i) => {
      unwritten?.note(tier, fills, outcomes[i] ?? [])
    })
    const index = this.coordinatorTier ? shared.indexOf(this.coordinatorTier) : -1
    return index < 0 ? undefined : outcomes[index]
  }

  private writeLocal(fills: readonly Fill[], now: number): void {
    if (fills.length === 0) return
    for (const tier of this.local) void tier.write(fills, now)
  }

  /**
   * Keeps background work (back-fills, fills after a load) so `idle()` and `close()` can wait for it.
   * The returned promise never rejects.
   */
  track(work: Promise<unknown> | unknown): Promise<void> {
    if (!(work instanceof Promise)) return Promise.resolve()
    const tracked = work.then(
      () => undefined,
      () => undefined,
    )
    this.background.add(tracked)
    void tracked.then(() => this.background.delete(tracked))
    return tracked
  }

  /**
   * The value callers get for a loaded `value` whose fill (if any) was just written: protected as the
   * memory tier in front protects its hits, so that what a load returns is no less safe than a hit.
   */
  served(fill: Fill | undefined, value: unknown): ServedValue {
    return fill !== undefined && this.l1 !== undefined ? this.l1.served(fill) : { value, cloneOnRead: false }
  }

  /** A back-fill of one tier, kept as background work; what the tier does not answer for is noted. */
  private trackWrite(tier: Tier, fills: readonly Fill[], now: number): void {
    const outcomes = tier.write(fills, now)
    if (outcomes instanceof Promise)
      this.track(outcomes.then((done) => this.unwritten.note(tier, fills, done)))
  }

  /**
   * Resolves when every background write started so far has finished, with the fills a tier did not
   * answer for since the previous call (see {@link IdleReport}).
   */
  async idle(): Promise<IdleReport> {
    while (this.background.size > 0) await Promise.all([...this.background])
    return this.unwritten.report()
  }
}

/** A write the tier refused because it already held a newer version. */
function refused(outcome: WriteOutcome | undefined): boolean {
  return outcome !== undefined && !outcome.written && outcome.version !== undefined
}

function withVersion(fill: Fill, version: number): Fill {
  const entry: Entry = { ...fill.entry, version }
  return { ...fill, entry, versioning: 'given' }
}

/** The shared tier named `name` (the option `coordinator`), or else the first one able to coordinate. */
function chooseCoordinator(shared: readonly SharedTier[], name: string | undefined): SharedTier | undefined {
  const candidates = shared.filter((tier) => tier.coordinator !== undefined)
  if (name === undefined) return candidates[0]
  const chosen = candidates.find((tier) => tier.name === name)
  if (!chosen)
    throw new InvalidOptionError(`coordinator "${name}" is not the name of a Redis tier of this cache`)
  return chosen
}
