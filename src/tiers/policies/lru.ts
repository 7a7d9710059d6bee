import type { EvictionPolicy, EvictionPolicyFactory, PolicyLimits } from '../eviction-policy.js'
import { entryBytes, type ListNode, Segment } from './segment.js'

/*
 * Least-recently-used eviction: a Map from key to node, and the nodes in one intrusive doubly linked
 * list in access order (see segment.ts). A hit is one Map lookup and four pointer writes.
 *
 * Written by hand rather than taken from the `lru-cache` package: that package's `get` does work the
 * memory tier never needs on its hot path (an options object per call, its own TTL and status
 * bookkeeping, fetch support), and it preallocates index arrays for `max` entries, so its memory use
 * is set by the entry bound rather than by the entries held — which the tier's byte accounting (one
 * known cost per entry) cannot express. This list allocates one node per entry and nothing else.
 */

class LruNode<V> implements ListNode<LruNode<V>> {
  prev: LruNode<V> = this
  next: LruNode<V> = this
  constructor(
    readonly key: string,
    public value: V,
    public size: number,
  ) {}
}

/** Least-recently-used eviction; the default policy of memory tiers. */
export const lruPolicy: EvictionPolicyFactory = <V extends object>(limits: PolicyLimits): EvictionPolicy<V> =>
  new Lru<V>(limits)

class Lru<V extends object> implements EvictionPolicy<V> {
  private readonly nodes = new Map<string, LruNode<V>>()
  /** Head: least recently used; tail: most recently used. */
  private readonly order = new Segment<LruNode<V>>(new LruNode<V>('', undefined as unknown as V, 0))

  constructor(private readonly limits: PolicyLimits) {}

  get size(): number {
    return this.nodes.size
  }

  get bytes(): number {
    return this.order.bytes
  }

  get(key: string): V | undefined {
    const node = this.nodes.get(key)
    if (node === undefined) return undefined
    this.order.moveToTail(node)
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
      this.makeRoom(1, bytes)
      const added = new LruNode(key, value, bytes)
      this.nodes.set(key, added)
      this.order.append(added)
      return
    }
    node.value = value
    this.order.resize(node, bytes)
    this.order.moveToTail(node)
    this.makeRoom(0, 0)
  }

  delete(key: string): boolean {
    const node = this.nodes.get(key)
    if (node === undefined) return false
    this.unlink(node)
    return true
  }

  clear(): void {
    this.nodes.clear()
    this.order.clear()
  }

  /**
   * Evicts from the least recently used end until `entries` more entries and `bytes` more bytes fit.
   * The entry just written sits at the other end and fits by itself, so it is never the victim.
   */
  private makeRoom(entries: number, bytes: number): void {
    while (
      this.nodes.size + entries > this.limits.maxEntries ||
      this.order.bytes + bytes > this.limits.maxBytes
    ) {
      const victim = this.order.head
      if (victim === undefined) return
      this.unlink(victim)
      this.limits.onEvict(victim.key)
    }
  }

  private unlink(node: LruNode<V>): void {
    this.order.remove(node)
    this.nodes.delete(node.key)
  }
}
