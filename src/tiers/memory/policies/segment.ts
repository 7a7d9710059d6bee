/** A node of an intrusive, circular, doubly linked list. Policies add their own fields. */
export interface ListNode<N extends ListNode<N>> {
  prev: N
  next: N
  /** Bytes this node accounts for (0 for sentinels and bucket headers). */
  size: number
}

/**
 * An access-ordered list of nodes with running totals of count and bytes: the head is the least
 * recently used end, the tail the most recently used. Every operation is O(1). The list is circular
 * through a sentinel of the same shape as the nodes, so links are never null and the engine sees
 * one hidden class.
 */
export class Segment<N extends ListNode<N>> {
  count = 0
  bytes = 0

  constructor(readonly sentinel: N) {
    sentinel.prev = sentinel
    sentinel.next = sentinel
  }

  /** The least recently used node, or undefined when empty. */
  get head(): N | undefined {
    const node = this.sentinel.next
    return node === this.sentinel ? undefined : node
  }

  /** The node after `node` towards the most recently used end, or undefined at the end. */
  after(node: N): N | undefined {
    const next = node.next
    return next === this.sentinel ? undefined : next
  }

  /** Links `node` at the most recently used end. */
  append(node: N): void {
    const last = this.sentinel.prev
    node.prev = last
    node.next = this.sentinel
    last.next = node
    this.sentinel.prev = node
    this.count++
    this.bytes += node.size
  }

  /** Unlinks `node`, which must be in this segment. */
  remove(node: N): void {
    node.prev.next = node.next
    node.next.prev = node.prev
    this.count--
    this.bytes -= node.size
  }

  /** Moves `node`, which must be in this segment, to the most recently used end. */
  moveToTail(node: N): void {
    const last = this.sentinel.prev
    if (last === node) return
    node.prev.next = node.next
    node.next.prev = node.prev
    node.prev = last
    node.next = this.sentinel
    last.next = node
    this.sentinel.prev = node
  }

  /** Records that a node in this segment changed size. */
  resize(node: N, size: number): void {
    this.bytes += size - node.size
    node.size = size
  }

  clear(): void {
    this.sentinel.prev = this.sentinel
    this.sentinel.next = this.sentinel
    this.count = 0
    this.bytes = 0
  }
}

/** A size as a policy accounts it: negative or NaN sizes count as 0 (the tier never passes them). */
export function entryBytes(size: number): number {
  return Number.isNaN(size) ? 0 : Math.max(size, 0)
}
