import type { EvictionPolicy, EvictionPolicyFactory, PolicyLimits, PolicyValue } from '../eviction-policy.js'
import { entryBytes } from './segment.js'

/*
 * Least-recently-used eviction: a Map from key to the value, which carries its slot number
 * (`policySlot`), and per slot the key, the size and two links of a circular doubly linked list in
 * access order. The Map points at the value itself rather than at the slot: a hit then needs no
 * array of values between the lookup and the value, which with many entries is one cache miss less.
 * The links live in a typed array, so moving an entry to the most recently used end on a hit is six
 * integer writes — no pointer stores, hence no GC write barriers, which were the larger part of a
 * hit's cost with linked objects. A slot's two links sit side by side (`links[2 * slot]` towards the
 * most recently used end, `links[2 * slot + 1]` towards the least): with many entries every hit reads
 * a random slot's links, and one cache line holding both costs one memory access where two separate
 * arrays cost two. Slot 0 is the list's sentinel; freed slots are reused before new ones are made.
 * The arrays grow by half as entries arrive (up to `maxEntries`), so memory follows the entries held
 * rather than the bound.
 *
 * Written by hand rather than taken from the `lru-cache` package (which uses the same layout): that
 * package's `get` does work the memory tier never needs on its hot path (an options object per call,
 * its own TTL and status bookkeeping), and it allocates its arrays for `max` entries up front.
 */

export const SENTINEL = 0
/** Offsets of a slot's two links in `links`. */
const NEXT = 0
const PREV = 1
export const INITIAL_SLOTS = 16

/** Least-recently-used eviction (`memoryTier({ policy: 'lru' })`). */
export const lruPolicy: EvictionPolicyFactory = <V extends PolicyValue>(
  limits: PolicyLimits,
): EvictionPolicy<V> => new Lru<V>(limits)

export class Lru<V extends PolicyValue> implements EvictionPolicy<V> {
  /** Each key's value; `value.policySlot` is its slot. */
  protected readonly values = new Map<string, V>()
  private keys: string[] = ['']
  private sizes = new Float64Array(INITIAL_SLOTS)
  /**
   * Two links per slot: `links[NEXT + 2 * slot]` towards the most recently used end (so the
   * sentinel's is the least recently used slot), `links[PREV + 2 * slot]` towards the least recently
   * used end (the sentinel's is the most recently used slot).
   */
  private links = new Uint32Array(2 * INITIAL_SLOTS)
  private readonly free: number[] = []
  private totalBytes = 0

  constructor(private readonly limits: PolicyLimits) {}

  get size(): number {
    return this.values.size
  }

  get bytes(): number {
    return this.totalBytes
  }

  get(key: string): V | undefined {
    const value = this.values.get(key)
    if (value !== undefined) this.moveToTail(value.policySlot)
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
      if (held !== undefined) this.unlink(held.policySlot)
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
    this.totalBytes += bytes - (this.sizes[slot] as number)
    this.sizes[slot] = bytes
    this.renew(slot)
    this.makeRoom(0, 0)
  }

  /** A key's value was replaced: it is the most recently used entry now. */
  protected renew(slot: number): void {
    this.moveToTail(slot)
  }

  delete(key: string): boolean {
    const held = this.values.get(key)
    if (held === undefined) return false
    this.unlink(held.policySlot)
    return true
  }

  clear(): void {
    this.values.clear()
    this.keys = ['']
    this.sizes = new Float64Array(INITIAL_SLOTS)
    this.links = new Uint32Array(2 * INITIAL_SLOTS)
    this.free.length = 0
    this.totalBytes = 0
  }

  private insert(key: string, value: V, bytes: number): void {
    const slot = this.free.pop() ?? this.newSlot()
    this.keys[slot] = key
    value.policySlot = slot
    this.sizes[slot] = bytes
    this.values.set(key, value)
    this.totalBytes += bytes
    this.linkAtTail(slot)
  }

  /** A slot never used before; grows the typed arrays by half when they are full. */
  private newSlot(): number {
    const slot = this.keys.length
    if (slot >= this.sizes.length)
      this.resize(Math.min(this.limits.maxEntries + 1, Math.ceil(this.sizes.length * 1.5)))
    this.keys.push('')
    return slot
  }

  /** Grows the per-slot arrays to `length` slots. */
  protected resize(length: number): void {
    this.sizes = grown(this.sizes, new Float64Array(length))
    this.links = grown(this.links, new Uint32Array(2 * length))
  }

  /**
   * Evicts from the least recently used end until `entries` more entries and `bytes` more bytes fit.
   * The entry just written sits at the other end and fits by itself, so it is never the victim.
   */
  private makeRoom(entries: number, bytes: number): void {
    while (
      this.values.size + entries > this.limits.maxEntries ||
      this.totalBytes + bytes > this.limits.maxBytes
    ) {
      const victim = this.nextVictim()
      if (victim === SENTINEL) return
      const key = this.keys[victim] as string
      this.unlink(victim)
      this.limits.onEvict(key)
    }
  }

  /** The slot to evict next (the sentinel when empty): the least recently used one. */
  protected nextVictim(): number {
    return this.leastRecent()
  }

  protected leastRecent(): number {
    return this.links[NEXT + 2 * SENTINEL] as number
  }

  protected unlink(slot: number): void {
    const links = this.links
    const before = links[PREV + 2 * slot] as number
    const after = links[NEXT + 2 * slot] as number
    links[NEXT + 2 * before] = after
    links[PREV + 2 * after] = before
    this.values.delete(this.keys[slot] as string)
    this.totalBytes -= this.sizes[slot] as number
    this.keys[slot] = ''
    this.free.push(slot)
  }

  private linkAtTail(slot: number): void {
    const links = this.links
    const last = links[PREV + 2 * SENTINEL] as number
    links[PREV + 2 * slot] = last
    links[NEXT + 2 * slot] = SENTINEL
    links[NEXT + 2 * last] = slot
    links[PREV + 2 * SENTINEL] = slot
  }

  protected moveToTail(slot: number): void {
    const links = this.links
    const last = links[PREV + 2 * SENTINEL] as number
    if (last === slot) return
    const before = links[PREV + 2 * slot] as number
    const after = links[NEXT + 2 * slot] as number
    links[NEXT + 2 * before] = after
    links[PREV + 2 * after] = before
    links[PREV + 2 * slot] = last
    links[NEXT + 2 * slot] = SENTINEL
    links[NEXT + 2 * last] = slot
    links[PREV + 2 * SENTINEL] = slot
  }
}

export function grown<A extends Float64Array | Uint32Array | Int32Array | Uint8Array>(from: A, to: A): A {
  to.set(from)
  return to
}
