import type { EvictionPolicy, EvictionPolicyFactory, PolicyLimits } from '../eviction-policy.js'
import { entryBytes, type ListNode, Segment } from './segment.js'

/*
 * Least-frequently-used eviction in O(1) per operation (Shah, Mitra & Matani, "An O(1) algorithm
 * for implementing the LFU cache eviction scheme", 2010): entries sit in buckets of equal access
 * count, buckets form a list in increasing count, and an access moves an entry to the next bucket.
 * The victim is the least recently used entry of the lowest bucket. Written by hand: the LFU
 * packages on npm are bounded by entry count only.
 *
 * Aging: every AGING_PERIOD × (entries held) accesses, all counts are halved, so keys that were
 * popular long ago do not stick forever. Halving walks every entry once, which over the period
 * between two halvings is O(1) amortized per access.
 */

/** Accesses between two halvings of all counts, per entry held. */
const AGING_PERIOD = 10
/** Fewest accesses between two halvings, so that a nearly empty cache does not age constantly. */
const MIN_AGING_INTERVAL = 1024

class LfuNode<V> implements ListNode<LfuNode<V>> {
  prev: LfuNode<V> = this
  next: LfuNode<V> = this
  constructor(
    readonly key: string,
    public value: V,
    public size: number,
    public bucket: Bucket<V>,
  ) {}
}

/** The entries accessed `count` times, least recently used first. */
class Bucket<V> implements ListNode<Bucket<V>> {
  prev: Bucket<V> = this
  next: Bucket<V> = this
  readonly size = 0
  readonly entries: Segment<LfuNode<V>>
  constructor(public count: number) {
    this.entries = new Segment(new LfuNode<V>('', undefined as unknown as V, 0, this))
  }
}

/** Least-frequently-used eviction with aging; ties go to the least recently used. */
export const lfuPolicy: EvictionPolicyFactory = <V extends object>(limits: PolicyLimits): EvictionPolicy<V> =>
  new Lfu<V>(limits)

class Lfu<V extends object> implements EvictionPolicy<V> {
  private readonly nodes = new Map<string, LfuNode<V>>()
  /** Buckets in increasing count; the head holds the least frequently used entries. */
  private readonly buckets = new Segment<Bucket<V>>(new Bucket<V>(0))
  private totalBytes = 0
  private accessesSinceAging = 0

  constructor(private readonly limits: PolicyLimits) {}

  get size(): number {
    return this.nodes.size
  }

  get bytes(): number {
    return this.totalBytes
  }

  get(key: string): V | undefined {
    const node = this.nodes.get(key)
    if (node === undefined) return undefined
    this.touch(node)
    return node.value
  }

  peek(key: string): V | undefined {
    return this.nodes.get(key)?.value
  }

  set(key: string, value: V, size: number): void {
    const bytes = entryBytes(size)
    const node = this.nodes.get(key)
    if (bytes > this.limits.maxBytes) {
      // Larger than the whole budget: refused rather than flushing everything else.
      if (node !== undefined) this.unlink(node)
      return
    }
    if (node === undefined) {
      this.makeRoom(1, bytes, undefined)
      this.insert(key, value, bytes)
      return
    }
    node.value = value
    this.totalBytes += bytes - node.size
    node.bucket.entries.resize(node, bytes)
    this.touch(node)
    this.makeRoom(0, 0, node)
  }

  delete(key: string): boolean {
    const node = this.nodes.get(key)
    if (node === undefined) return false
    this.unlink(node)
    return true
  }

  clear(): void {
    this.nodes.clear()
    this.buckets.clear()
    this.totalBytes = 0
    this.accessesSinceAging = 0
  }

  private insert(key: string, value: V, bytes: number): void {
    let first = this.buckets.head
    if (first === undefined || first.count !== 1) {
      first = new Bucket<V>(1)
      this.linkBucketAfter(this.buckets.sentinel, first)
    }
    const node = new LfuNode(key, value, bytes, first)
    first.entries.append(node)
    this.nodes.set(key, node)
    this.totalBytes += bytes
    this.countAccess()
  }

  /** Counts an access: moves the entry to the bucket of the next count, creating it if needed. */
  private touch(node: LfuNode<V>): void {
    const from = node.bucket
    let to = this.buckets.after(from)
    if (to === undefined || to.count !== from.count + 1) {
      to = new Bucket<V>(from.count + 1)
      this.linkBucketAfter(from, to)
    }
    from.entries.remove(node)
    node.bucket = to
    to.entries.append(node)
    if (from.entries.count === 0) this.buckets.remove(from)
    this.countAccess()
  }

  /** Evicts until `entries` more entries and `bytes` more bytes fit, never evicting `keep`. */
  private makeRoom(entries: number, bytes: number, keep: LfuNode<V> | undefined): void {
    while (
      this.nodes.size + entries > this.limits.maxEntries ||
      this.totalBytes + bytes > this.limits.maxBytes
    ) {
      const victim = this.victim(keep)
      if (victim === undefined) return
      this.unlink(victim)
      this.limits.onEvict(victim.key)
    }
  }

  /** The least recently used entry of the lowest bucket, skipping `keep`. */
  private victim(keep: LfuNode<V> | undefined): LfuNode<V> | undefined {
    const lowest = this.buckets.head
    if (lowest === undefined) return undefined
    const first = lowest.entries.head
    if (first === undefined || first !== keep) return first
    const second = lowest.entries.after(first)
    if (second !== undefined) return second
    const nextBucket = this.buckets.after(lowest)
    return nextBucket?.entries.head
  }

  private unlink(node: LfuNode<V>): void {
    const bucket = node.bucket
    bucket.entries.remove(node)
    if (bucket.entries.count === 0) this.buckets.remove(bucket)
    this.nodes.delete(node.key)
    this.totalBytes -= node.size
  }

  private linkBucketAfter(previous: Bucket<V>, bucket: Bucket<V>): void {
    // Segment appends at the tail only; buckets are spliced in place to keep counts ordered.
    bucket.prev = previous
    bucket.next = previous.next
    previous.next.prev = bucket
    previous.next = bucket
    this.buckets.count++
  }

  private countAccess(): void {
    if (++this.accessesSinceAging >= Math.max(MIN_AGING_INTERVAL, AGING_PERIOD * this.nodes.size)) this.age()
  }

  /** Halves every count (at least 1), merging buckets whose halved counts meet. Entries of lower counts stay first. */
  private age(): void {
    this.accessesSinceAging = 0
    let bucket = this.buckets.head
    let previous: Bucket<V> | undefined
    while (bucket !== undefined) {
      const next = this.buckets.after(bucket)
      const halved = Math.max(1, bucket.count >>> 1)
      if (previous !== undefined && previous.count === halved) {
        this.mergeInto(previous, bucket)
      } else {
        bucket.count = halved
        previous = bucket
      }
      bucket = next
    }
  }

  /** Moves all of `from`'s entries, in order, to the end of `into`, and drops `from`. */
  private mergeInto(into: Bucket<V>, from: Bucket<V>): void {
    for (let node = from.entries.head; node !== undefined; node = from.entries.head) {
      from.entries.remove(node)
      node.bucket = into
      into.entries.append(node)
    }
    this.buckets.remove(from)
  }
}
