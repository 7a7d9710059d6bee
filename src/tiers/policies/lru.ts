import type { EvictionPolicy, EvictionPolicyFactory, PolicyLimits } from '../eviction-policy.js'
import { entryBytes } from './segment.js'

/*
 * Least-recently-used eviction: a Map from key to a slot number, and per slot the key, the value, the
 * size and two links of a circular doubly linked list in access order. The links live in a typed
 * array, so moving an entry to the most recently used end on a hit is six integer writes — no
 * pointer stores, hence no GC write barriers, which were the larger part of a hit's cost with linked
 * objects. A slot's two links sit side by side (`links[2 * slot]` towards the most recently used end,
 * `links[2 * slot + 1]` towards the least): with many entries every hit reads a random slot's links,
 * and one cache line holding both costs one memory access where two separate arrays cost two.
 * Slot 0 is the list's sentinel; freed slots are reused before new ones are made. The arrays grow by
 * half as entries arrive (up to `maxEntries`), so memory follows the entries held rather than the
 * bound.
 *
 * Written by hand rather than taken from the `lru-cache` package (which uses the same layout): that
 * package's `get` does work the memory tier never needs on its hot path (an options object per call,
 * its own TTL and status bookkeeping), and it allocates its arrays for `max` entries up front.
 */

const SENTINEL = 0
/** Offsets of a slot's two links in `links`. */
const NEXT = 0
const PREV = 1
const INITIAL_SLOTS = 16

/** Least-recently-used eviction; the default policy of memory tiers. */
export const lruPolicy: EvictionPolicyFactory = <V extends object>(limits: PolicyLimits): EvictionPolicy<V> =>
  new Lru<V>(limits)

class Lru<V extends object> implements EvictionPolicy<V> {
  private readonly slots = new Map<string, number>()
  private keys: string[] = ['']
  private values: (V | undefined)[] = [undefined]
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
    return this.slots.size
  }

  get bytes(): number {
    return this.totalBytes
  }

  get(key: string): V | undefined {
    const slot = this.slots.get(key)
    if (slot === undefined) return undefined
    this.moveToTail(slot)
    return this.values[slot]
  }

  peek(key: string): V | undefined {
    const slot = this.slots.get(key)
    return slot === undefined ? undefined : this.values[slot]
  }

  set(key: string, value: V, size: number): void {
    const bytes = entryBytes(size)
    const slot = this.slots.get(key)
    if (bytes > this.limits.maxBytes) {
      // Larger than the whole budget: refused rather than flushing everything else.
      if (slot !== undefined) this.unlink(slot)
      return
    }
    if (slot === undefined) {
      this.makeRoom(1, bytes)
      this.insert(key, value, bytes)
      return
    }
    this.values[slot] = value
    this.totalBytes += bytes - (this.sizes[slot] as number)
    this.sizes[slot] = bytes
    this.moveToTail(slot)
    this.makeRoom(0, 0)
  }

  delete(key: string): boolean {
    const slot = this.slots.get(key)
    if (slot === undefined) return false
    this.unlink(slot)
    return true
  }

  clear(): void {
    this.slots.clear()
    this.keys = ['']
    this.values = [undefined]
    this.sizes = new Float64Array(INITIAL_SLOTS)
    this.links = new Uint32Array(2 * INITIAL_SLOTS)
    this.free.length = 0
    this.totalBytes = 0
  }

  private insert(key: string, value: V, bytes: number): void {
    const slot = this.free.pop() ?? this.newSlot()
    this.keys[slot] = key
    this.values[slot] = value
    this.sizes[slot] = bytes
    this.slots.set(key, slot)
    this.totalBytes += bytes
    this.linkAtTail(slot)
  }

  /** A slot never used before; grows the typed arrays by half when they are full. */
  private newSlot(): number {
    const slot = this.keys.length
    if (slot >= this.sizes.length) {
      const length = Math.min(this.limits.maxEntries + 1, Math.ceil(this.sizes.length * 1.5))
      this.sizes = grown(this.sizes, new Float64Array(length))
      this.links = grown(this.links, new Uint32Array(2 * length))
    }
    this.keys.push('')
    this.values.push(undefined)
    return slot
  }

  /**
   * Evicts from the least recently used end until `entries` more entries and `bytes` more bytes fit.
   * The entry just written sits at the other end and fits by itself, so it is never the victim.
   */
  private makeRoom(entries: number, bytes: number): void {
    while (
      this.slots.size + entries > this.limits.maxEntries ||
      this.totalBytes + bytes > this.limits.maxBytes
    ) {
      const victim = this.links[NEXT + 2 * SENTINEL] as number
      if (victim === SENTINEL) return
      const key = this.keys[victim] as string
      this.unlink(victim)
      this.limits.onEvict(key)
    }
  }

  private unlink(slot: number): void {
    const links = this.links
    const before = links[PREV + 2 * slot] as number
    const after = links[NEXT + 2 * slot] as number
    links[NEXT + 2 * before] = after
    links[PREV + 2 * after] = before
    this.slots.delete(this.keys[slot] as string)
    this.totalBytes -= this.sizes[slot] as number
    this.keys[slot] = ''
    this.values[slot] = undefined
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

  private moveToTail(slot: number): void {
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

function grown<A extends Float64Array | Uint32Array>(from: A, to: A): A {
  to.set(from)
  return to
}
