import type { EvictionPolicy, EvictionPolicyFactory, PolicyLimits, PolicyValue } from '../eviction-policy.js'
import { hashKey } from './frequency-sketch.js'
import { GhostQueue } from './ghost-queue.js'
import { grown, INITIAL_SLOTS } from './lru.js'
import { entryBytes } from './segment.js'

/*
 * S3-FIFO (Yang, Zhang, Qiu, Yue & Vinayak, "FIFO queues are all you need for cache eviction", SOSP
 * 2023): three FIFO queues. A new key enters the small queue (10 % of the capacity). At the small
 * queue's old end, a key read at least twice since it came in moves to the main queue; any other is
 * evicted and its hash kept in a ghost queue, so that when it comes back soon it goes straight to main
 * (promoting after one read instead measured up to 0.3 points lower on six of the eight cache2k rows of
 * docs/eviction-policies.md, and up to 0.4 higher on web07 and web12 at 4,000 entries). At
 * main's old end, a key read since it was last looked at goes round once more (its count lowered by
 * one); the others are evicted. Each entry counts its reads up to 3.
 *
 * A hit therefore writes one byte and moves nothing, as CLOCK's does; what S3-FIFO adds is on the miss
 * path: one-time keys leave from the small queue without displacing main, and the counts give keys
 * read often several rounds in main. The layout is the LRU's (a Map to the value, typed-array links
 * per slot), with two circular lists through two sentinels: slot 0 heads the small queue, slot 1 main.
 */

const SMALL = 0
const MAIN = 1
const SENTINELS = 2
/** No slot: what `makeRoom` keeps when it makes room for a new entry. */
const NONE = -1
/** Offsets of a slot's two links in `links`. */
const NEXT = 0
const PREV = 1
/** Reads an entry counts, at most (two bits in the paper). */
const MAX_READS = 3
/** Share of both bounds the small queue may hold before it is the one to give up an entry. */
const SMALL_SHARE = 0.1
/** Reads in the small queue that earn a key its move to main (the paper's `freq > 1`). */
const READS_TO_PROMOTE = 2
/** The ghost queue remembers as many hashes as main holds entries (main's share of the entries held). */
const GHOST_SHARE = 1 - SMALL_SHARE
/**
 * The most entries one eviction moves (small to main, or main round again) before it evicts the oldest
 * entry of the queue it is at regardless: keeps every operation O(1) when every entry was read lately.
 */
const MAX_MOVES = 64

/** S3-FIFO eviction (`memoryTier({ policy: 's3-fifo' })`). */
export const s3FifoPolicy: EvictionPolicyFactory = <V extends PolicyValue>(
  limits: PolicyLimits,
): EvictionPolicy<V> => new S3Fifo<V>(limits)

export class S3Fifo<V extends PolicyValue> implements EvictionPolicy<V> {
  /** Each key's value; `value.policySlot` is its slot. */
  private readonly values = new Map<string, V>()
  private keys: string[] = ['', '']
  private sizes = new Float64Array(INITIAL_SLOTS)
  /** Per slot, `links[NEXT + 2 * slot]` towards the newer end, `links[PREV + 2 * slot]` towards the older. */
  private links = new Uint32Array(2 * INITIAL_SLOTS)
  /** Per slot, the reads counted (0..3). */
  private reads = new Uint8Array(INITIAL_SLOTS)
  /** Per slot, the queue it is in (SMALL or MAIN). */
  private queue = new Uint8Array(INITIAL_SLOTS)
  /** Per slot, the key's hash, remembered by the ghost queue when the key leaves the small queue. */
  private hashes = new Int32Array(INITIAL_SLOTS)
  private readonly free: number[] = []
  private readonly ghosts = new GhostQueue()
  private totalBytes = 0
  private smallEntries = 0
  private smallBytes = 0

  constructor(private readonly limits: PolicyLimits) {
    this.clearLinks()
  }

  get size(): number {
    return this.values.size
  }

  get bytes(): number {
    return this.totalBytes
  }

  get(key: string): V | undefined {
    const value = this.values.get(key)
    if (value !== undefined) this.countRead(value.policySlot)
    return value
  }

  peek(key: string): V | undefined {
    return this.values.get(key)
  }

  set(key: string, value: V, size: number): void {
    const bytes = entryBytes(size)
    const held = this.values.get(key)
    if (bytes > this.limits.maxBytes) {
      // Larger than the whole budget: refused rather than flushing everything else.
      if (held !== undefined) this.remove(held.policySlot)
      return
    }
    if (held === undefined) {
      this.makeRoom(1, bytes)
      this.insert(key, value, bytes)
      return
    }
    const slot = held.policySlot
    value.policySlot = slot
    this.values.set(key, value)
    this.resize(slot, bytes)
    this.countRead(slot)
    this.makeRoom(0, 0, slot)
  }

  delete(key: string): boolean {
    const held = this.values.get(key)
    if (held === undefined) return false
    this.remove(held.policySlot)
    return true
  }

  clear(): void {
    this.values.clear()
    this.keys = ['', '']
    this.sizes = new Float64Array(INITIAL_SLOTS)
    this.links = new Uint32Array(2 * INITIAL_SLOTS)
    this.reads = new Uint8Array(INITIAL_SLOTS)
    this.queue = new Uint8Array(INITIAL_SLOTS)
    this.hashes = new Int32Array(INITIAL_SLOTS)
    this.free.length = 0
    this.ghosts.clear()
    this.totalBytes = 0
    this.smallEntries = 0
    this.smallBytes = 0
    this.clearLinks()
  }

  private countRead(slot: number): void {
    const reads = this.reads[slot] as number
    if (reads < MAX_READS) this.reads[slot] = reads + 1
  }

  private insert(key: string, value: V, bytes: number): void {
    const slot = this.free.pop() ?? this.newSlot()
    this.keys[slot] = key
    value.policySlot = slot
    this.sizes[slot] = bytes
    this.reads[slot] = 0
    // Signed, so that the ghost queue's Map keys are small integers rather than boxed numbers.
    const hash = hashKey(key) | 0
    this.hashes[slot] = hash
    this.values.set(key, value)
    this.totalBytes += bytes
    this.ghosts.capacity = Math.max(1, Math.ceil(this.values.size * GHOST_SHARE))
    this.link(slot, this.ghosts.take(hash) ? MAIN : SMALL)
  }

  private resize(slot: number, bytes: number): void {
    const change = bytes - (this.sizes[slot] as number)
    this.sizes[slot] = bytes
    this.totalBytes += change
    if (this.queue[slot] === SMALL) this.smallBytes += change
  }

  /** A slot never used before; grows the typed arrays by half when they are full. */
  private newSlot(): number {
    const slot = this.keys.length
    if (slot >= this.sizes.length)
      this.grow(Math.min(this.limits.maxEntries + SENTINELS, Math.ceil(slot * 1.5)))
    this.keys.push('')
    return slot
  }

  private grow(length: number): void {
    this.sizes = grown(this.sizes, new Float64Array(length))
    this.links = grown(this.links, new Uint32Array(2 * length))
    this.reads = grown(this.reads, new Uint8Array(length))
    this.queue = grown(this.queue, new Uint8Array(length))
    this.hashes = grown(this.hashes, new Int32Array(length))
  }

  /**
   * Evicts until `entries` more entries and `bytes` more bytes fit; at most {@link MAX_MOVES} moves. The
   * entry in slot `keep` (one a write just replaced) is never the victim: it fits by itself.
   */
  private makeRoom(entries: number, bytes: number, keep = NONE): void {
    let moves = 0
    while (
      this.values.size + entries > this.limits.maxEntries ||
      this.totalBytes + bytes > this.limits.maxBytes
    ) {
      const from = this.queueToEvictFrom(keep)
      const slot = this.oldest(from)
      if (slot === from) return // that queue is empty: nothing else to evict
      if (moves < MAX_MOVES && this.deservesAnotherRound(slot, from)) {
        moves++
        this.unlink(slot)
        // Main's entries spend one read per extra round; a promoted entry starts main with none.
        this.reads[slot] = from === MAIN ? (this.reads[slot] as number) - 1 : 0
        this.link(slot, MAIN)
      } else {
        this.evict(slot, from)
      }
    }
  }

  /**
   * The small queue while it holds its share (or main is empty), else main. Should the oldest entry
   * there be `keep`, it moves to the newest end of its queue, or when alone there the other queue is
   * chosen.
   */
  private queueToEvictFrom(keep: number): number {
    const from = this.smallIsFull() || this.oldest(MAIN) === MAIN ? SMALL : MAIN
    if (this.oldest(from) !== keep) return from
    if (this.newest(from) === keep) return from === SMALL ? MAIN : SMALL
    this.unlink(keep)
    this.link(keep, from)
    return from
  }

  private smallIsFull(): boolean {
    return (
      this.smallEntries >= this.limits.maxEntries * SMALL_SHARE ||
      this.smallBytes >= this.limits.maxBytes * SMALL_SHARE
    )
  }

  private deservesAnotherRound(slot: number, from: number): boolean {
    return (this.reads[slot] as number) >= (from === SMALL ? READS_TO_PROMOTE : 1)
  }

  private evict(slot: number, from: number): void {
    const key = this.keys[slot] as string
    if (from === SMALL) this.ghosts.add(this.hashes[slot] as number)
    this.remove(slot)
    this.limits.onEvict(key)
  }

  private remove(slot: number): void {
    this.unlink(slot)
    this.values.delete(this.keys[slot] as string)
    this.totalBytes -= this.sizes[slot] as number
    this.keys[slot] = ''
    this.free.push(slot)
  }

  /** The oldest slot of a queue, or the queue's sentinel when it is empty. */
  private oldest(queue: number): number {
    return this.links[NEXT + 2 * queue] as number
  }

  private newest(queue: number): number {
    return this.links[PREV + 2 * queue] as number
  }

  private link(slot: number, queue: number): void {
    const links = this.links
    const newest = links[PREV + 2 * queue] as number
    links[PREV + 2 * slot] = newest
    links[NEXT + 2 * slot] = queue
    links[NEXT + 2 * newest] = slot
    links[PREV + 2 * queue] = slot
    this.queue[slot] = queue
    if (queue === SMALL) {
      this.smallEntries++
      this.smallBytes += this.sizes[slot] as number
    }
  }

  private unlink(slot: number): void {
    const links = this.links
    const before = links[PREV + 2 * slot] as number
    const after = links[NEXT + 2 * slot] as number
    links[NEXT + 2 * before] = after
    links[PREV + 2 * after] = before
    if (this.queue[slot] === SMALL) {
      this.smallEntries--
      this.smallBytes -= this.sizes[slot] as number
    }
  }

  private clearLinks(): void {
    for (const queue of [SMALL, MAIN]) {
      this.links[NEXT + 2 * queue] = queue
      this.links[PREV + 2 * queue] = queue
    }
  }
}
