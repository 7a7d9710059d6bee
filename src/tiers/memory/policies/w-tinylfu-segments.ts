import type { PolicyLimits } from '../eviction-policy.js'
import { type ListNode, Segment } from './segment.js'

export const WINDOW = 0
export const PROBATION = 1
export const PROTECTED = 2
export type Queue = typeof WINDOW | typeof PROBATION | typeof PROTECTED

/** Largest share of the capacity the admission window may grow to. */
export const MAX_WINDOW_SHARE = 0.8
/** Share of the main area (everything outside the window) kept for entries hit while on probation. */
const PROTECTED_SHARE_OF_MAIN = 0.8
/** Most entries moved into the window at one resize; the rest follows as the window fills. */
const MAX_MOVES_PER_RESIZE = 1000

export class WNode<V> implements ListNode<WNode<V>> {
  prev: WNode<V> = this
  next: WNode<V> = this
  constructor(
    readonly key: string,
    public value: V,
    public size: number,
    readonly hash: number,
    public queue: Queue,
  ) {}
}

/**
 * The three LRU segments of W-TinyLFU (admission window, probation, protected) with the key index
 * and their limits. Both bounds of the policy, entries and bytes, are split between the segments in
 * the same shares. Decides nothing about admission: that is the policy's part.
 */
export class WTinyLfuSegments<V> {
  readonly nodes = new Map<string, WNode<V>>()
  readonly window: Segment<WNode<V>>
  readonly probation: Segment<WNode<V>>
  readonly protected: Segment<WNode<V>>
  totalBytes = 0
  windowShare: number
  private windowMaxEntries = 1
  private windowMaxBytes = 0
  private protectedMaxEntries = 0
  private protectedMaxBytes = 0

  constructor(
    private readonly limits: PolicyLimits,
    windowShare: number,
  ) {
    const sentinel = () => new WNode<V>('', undefined as unknown as V, 0, 0, WINDOW)
    this.window = new Segment(sentinel())
    this.probation = new Segment(sentinel())
    this.protected = new Segment(sentinel())
    this.windowShare = windowShare
    this.applyShares()
  }

  segment(queue: Queue): Segment<WNode<V>> {
    return queue === WINDOW ? this.window : queue === PROBATION ? this.probation : this.protected
  }

  /** The node after `node` in its segment (towards most recently used), or undefined at the end. */
  following(node: WNode<V>): WNode<V> | undefined {
    return this.segment(node.queue).after(node)
  }

  overCapacity(): boolean {
    return this.nodes.size > this.limits.maxEntries || this.totalBytes > this.limits.maxBytes
  }

  /** Indexes a new node and links it at the window's most recently used end. */
  insert(node: WNode<V>): void {
    this.nodes.set(node.key, node)
    this.window.append(node)
    this.totalBytes += node.size
  }

  resize(node: WNode<V>, size: number): void {
    this.totalBytes += size - node.size
    this.segment(node.queue).resize(node, size)
  }

  unlink(node: WNode<V>): void {
    this.segment(node.queue).remove(node)
    this.nodes.delete(node.key)
    this.totalBytes -= node.size
  }

  moveTo(node: WNode<V>, queue: Queue): void {
    this.segment(node.queue).remove(node)
    node.queue = queue
    this.segment(queue).append(node)
  }

  /** Reorders after a read or an update: LRU within window and protected, promotion out of probation. */
  touch(node: WNode<V>): void {
    if (node.queue === WINDOW) {
      this.window.moveToTail(node)
      return
    }
    if (node.queue === PROBATION) this.moveTo(node, PROTECTED)
    else this.protected.moveToTail(node)
    this.demoteFromProtected()
  }

  /** Moves protected's least recently used entries back to probation while protected is over its share. */
  demoteFromProtected(): void {
    while (this.protected.count > this.protectedMaxEntries || this.protected.bytes > this.protectedMaxBytes) {
      const node = this.protected.head
      if (node === undefined) return
      this.moveTo(node, PROBATION)
    }
  }

  /** Moves the window's overflow to probation's MRU end; returns the first moved (the oldest candidate). */
  drainWindow(): WNode<V> | undefined {
    let first: WNode<V> | undefined
    while (this.window.count > this.windowMaxEntries || this.window.bytes > this.windowMaxBytes) {
      const node = this.window.head
      if (node === undefined) break
      this.moveTo(node, PROBATION)
      first ??= node
    }
    return first
  }

  /** Moves `amount` of the capacity into (+) or out of (-) the window and rebalances the segments. */
  resizeWindow(amount: number): void {
    const share = Math.min(MAX_WINDOW_SHARE, Math.max(0, this.windowShare + amount))
    if (share === this.windowShare) return
    this.windowShare = share
    this.applyShares()
    if (amount < 0) this.drainWindow()
    else this.growWindow()
    this.demoteFromProtected()
  }

  clear(): void {
    this.nodes.clear()
    this.window.clear()
    this.probation.clear()
    this.protected.clear()
    this.totalBytes = 0
  }

  /** Fills a grown window with main's least recently used entries (probation first), as Caffeine does. */
  private growWindow(): void {
    for (let moves = 0; moves < MAX_MOVES_PER_RESIZE; moves++) {
      const node = this.probation.head ?? this.protected.head
      if (node === undefined) return
      if (this.window.count >= this.windowMaxEntries || this.window.bytes + node.size > this.windowMaxBytes)
        return
      this.moveTo(node, WINDOW)
    }
  }

  private applyShares(): void {
    const { maxEntries, maxBytes } = this.limits
    const protectedShare = PROTECTED_SHARE_OF_MAIN * (1 - this.windowShare)
    this.windowMaxEntries = Math.max(1, Math.round(maxEntries * this.windowShare))
    this.windowMaxBytes = maxBytes * this.windowShare
    this.protectedMaxEntries = Math.floor(maxEntries * protectedShare)
    this.protectedMaxBytes = maxBytes * protectedShare
  }
}
