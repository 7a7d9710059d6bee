import { InvalidOptionError } from '../../../errors.js'
import type { EvictionPolicy, EvictionPolicyFactory, PolicyLimits } from '../eviction-policy.js'
import { FrequencySketch, hashKey } from './frequency-sketch.js'
import { GhostFeedback } from './ghost-feedback.js'
import { HillClimber } from './hill-climber.js'
import { entryBytes } from './segment.js'
import {
  MAX_WINDOW_SHARE,
  PROBATION,
  PROTECTED,
  type Queue,
  WINDOW,
  WNode,
  WTinyLfuSegments,
} from './w-tinylfu-segments.js'

/*
 * W-TinyLFU (Einziger, Eytan, Friedman & Manes, "TinyLFU: A Highly Efficient Cache Admission
 * Policy", ACM ToS 2017), shaped as Caffeine runs it. Written by hand: no maintained W-TinyLFU
 * exists on npm for Node.
 *
 * New entries enter a small LRU admission window. An entry leaving the window becomes a candidate
 * for the main area, a segmented LRU (probation 20 %, protected 80 %); it is admitted only when a
 * count-min sketch says it is more popular than the entry main would evict (probation's LRU end).
 * A probation hit promotes to protected; protected overflow is demoted to probation. Eviction runs
 * until both bounds, entries and bytes, hold. The window's share adapts to the workload.
 */

/** How W-TinyLFU resizes its admission window. */
export type WindowAdaptation = 'ghosts' | 'hill-climbing' | 'none'

/** Options of {@link createWTinyLfuPolicy}. */
export interface WTinyLfuOptions {
  /** Share of the capacity (entries and bytes) given to the admission window at start, 0–0.8. Default 0.01. */
  windowShare?: number
  /**
   * `'ghosts'` (default) grows or shrinks the window by one entry on each miss of a recently evicted key
   * (see `ghost-feedback.ts`); `'hill-climbing'` steps it by the hit rate of each sample of 10 × capacity
   * requests, as Caffeine does; `'none'` keeps it fixed.
   */
  adaptation?: WindowAdaptation
  /** Seed of the generator behind the rare random admission of warm candidates. Default fixed. */
  seed?: number
}

const DEFAULT_WINDOW_SHARE = 0.01
/** A candidate this popular is admitted over an equally popular victim 1 time in 128 (hash-flooding defence). */
const WARM_CANDIDATE_FREQUENCY = 6
const DEFAULT_SEED = 0x2545f491
/** Entries the sketch is first sized for; it doubles as the cache fills, up to `maxEntries`. */
const INITIAL_SKETCH_ENTRIES = 1024

/** Builds W-TinyLFU policies with the given options; {@link wTinyLfuPolicy} uses the defaults. */
export function createWTinyLfuPolicy(options: WTinyLfuOptions = {}): EvictionPolicyFactory {
  const windowShare = options.windowShare ?? DEFAULT_WINDOW_SHARE
  if (!(windowShare >= 0 && windowShare <= MAX_WINDOW_SHARE)) {
    throw new InvalidOptionError(
      `W-TinyLFU windowShare must be between 0 and ${MAX_WINDOW_SHARE}; got ${windowShare}`,
    )
  }
  const adaptation = options.adaptation ?? 'ghosts'
  if (!['ghosts', 'hill-climbing', 'none'].includes(adaptation)) {
    throw new InvalidOptionError(
      `W-TinyLFU adaptation must be 'ghosts', 'hill-climbing' or 'none'; got ${adaptation}`,
    )
  }
  const settings: Settings = { windowShare, adaptation, seed: options.seed ?? DEFAULT_SEED }
  return <V extends object>(limits: PolicyLimits): EvictionPolicy<V> => new WTinyLfu<V>(limits, settings)
}

/** W-TinyLFU with a 1 % adaptive admission window: high hit ratios on skewed, shifting and scanning workloads. */
export const wTinyLfuPolicy: EvictionPolicyFactory = createWTinyLfuPolicy()

interface Settings {
  readonly windowShare: number
  readonly adaptation: WindowAdaptation
  readonly seed: number
}

class WTinyLfu<V extends object> implements EvictionPolicy<V> {
  private readonly segments: WTinyLfuSegments<V>
  private readonly sketch: FrequencySketch
  private readonly ghosts: GhostFeedback | undefined
  private readonly climber: HillClimber | undefined
  private random: number
  /** True once the cache has been full: adaptation only judges a warmed-up cache. */
  private warm = false

  constructor(
    private readonly limits: PolicyLimits,
    settings: Settings,
  ) {
    this.segments = new WTinyLfuSegments<V>(limits, settings.windowShare)
    // Sized for the entries held, up to the bound; grown as the cache fills (see insert).
    this.sketch = new FrequencySketch(Math.min(limits.maxEntries, INITIAL_SKETCH_ENTRIES))
    this.ghosts = settings.adaptation === 'ghosts' ? new GhostFeedback() : undefined
    this.climber =
      settings.adaptation === 'hill-climbing' ? new HillClimber(this.sketch.sampleSize) : undefined
    this.random = settings.seed | 0 || DEFAULT_SEED
  }

  get size(): number {
    return this.segments.nodes.size
  }

  get bytes(): number {
    return this.segments.totalBytes
  }

  get(key: string): V | undefined {
    const node = this.segments.nodes.get(key)
    if (node === undefined) {
      if (this.climber !== undefined) this.recordRequest(this.climber, false)
      return undefined
    }
    this.sketch.increment(node.hash)
    this.segments.touch(node)
    if (this.climber !== undefined) this.recordRequest(this.climber, true)
    return node.value
  }

  peek(key: string): V | undefined {
    return this.segments.nodes.get(key)?.value
  }

  set(key: string, value: V, size: number): void {
    const bytes = entryBytes(size)
    const node = this.segments.nodes.get(key)
    if (bytes > this.limits.maxBytes) {
      // Larger than the whole budget: refused rather than flushing everything else.
      if (node !== undefined) this.segments.unlink(node)
      return
    }
    if (node === undefined) {
      this.insert(key, value, bytes)
    } else {
      node.value = value
      this.segments.resize(node, bytes)
      this.sketch.increment(node.hash)
      this.segments.touch(node)
    }
    this.evictFromMain(this.segments.drainWindow())
  }

  delete(key: string): boolean {
    const node = this.segments.nodes.get(key)
    if (node === undefined) return false
    this.segments.unlink(node)
    return true
  }

  clear(): void {
    this.segments.clear()
    this.sketch.clear()
    this.ghosts?.clear()
    this.climber?.reset()
    this.warm = false
  }

  private insert(key: string, value: V, bytes: number): void {
    const node = new WNode(key, value, bytes, hashKey(key), WINDOW)
    this.segments.insert(node)
    const entries = this.segments.nodes.size
    if (entries > this.sketch.capacity && this.sketch.capacity < this.limits.maxEntries) {
      this.sketch.ensureCapacity(Math.min(this.limits.maxEntries, 2 * this.sketch.capacity))
      if (this.climber !== undefined) this.climber.sampleSize = this.sketch.sampleSize
    }
    this.sketch.increment(node.hash)
    if (this.ghosts !== undefined && this.warm) {
      const amount = this.ghosts.adjustmentOnMiss(node.hash, entries)
      if (amount !== 0) this.segments.resizeWindow(amount)
    }
  }

  /**
   * While over either bound, duels candidates (those just moved out of the window, oldest first,
   * then the window's LRU end) against victims (probation's LRU end, then protected's, then the
   * window's) and evicts the less popular of each pair, as Caffeine's `evictFromMain` does.
   */
  private evictFromMain(firstCandidate: WNode<V> | undefined): void {
    const segments = this.segments
    let candidate = firstCandidate
    let candidateQueue: Queue = PROBATION
    let victimQueue: Queue = PROBATION
    let victim = segments.probation.head
    while (segments.overCapacity()) {
      if (candidate === undefined && candidateQueue === PROBATION) {
        candidate = segments.window.head
        candidateQueue = WINDOW
      }
      if (candidate === undefined && victim === undefined) {
        if (victimQueue === WINDOW) return
        victimQueue = victimQueue === PROBATION ? PROTECTED : WINDOW
        victim = segments.segment(victimQueue).head
        continue
      }
      if (victim === undefined) {
        const evicted = candidate as WNode<V>
        candidate = segments.following(evicted)
        this.evict(evicted, true)
      } else if (candidate === undefined) {
        const evicted = victim
        victim = segments.following(victim)
        this.evict(evicted, false)
      } else if (candidate === victim) {
        victim = segments.following(victim)
        this.evict(candidate, true)
        candidate = undefined
      } else if (this.admit(candidate, victim)) {
        const evicted = victim
        victim = segments.following(victim)
        candidate = segments.following(candidate)
        this.evict(evicted, false)
      } else {
        const evicted = candidate
        candidate = segments.following(candidate)
        this.evict(evicted, true)
      }
    }
  }

  /** True when the candidate is estimated more popular than the victim (warm ties are rarely let in at random). */
  private admit(candidate: WNode<V>, victim: WNode<V>): boolean {
    const candidateFrequency = this.sketch.frequency(candidate.hash)
    const victimFrequency = this.sketch.frequency(victim.hash)
    if (candidateFrequency > victimFrequency) return true
    if (candidateFrequency < WARM_CANDIDATE_FREQUENCY) return false
    return (this.nextRandom() & 127) === 0
  }

  private nextRandom(): number {
    // xorshift32: cheap, and deterministic for a given seed.
    let x = this.random
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    this.random = x
    return x >>> 0
  }

  /** Removes an entry to make room; `candidate` when it lost admission (window side) rather than being main's victim. */
  private evict(node: WNode<V>, candidate: boolean): void {
    this.segments.unlink(node)
    this.warm = true
    this.ghosts?.recordEviction(node.hash, candidate)
    this.limits.onEvict(node.key)
  }

  private recordRequest(climber: HillClimber, hit: boolean): void {
    if (hit) climber.recordHit()
    else climber.recordMiss()
    if (!climber.sampleComplete) return
    const amount = climber.adjustment()
    if (this.warm) this.segments.resizeWindow(amount)
  }
}
