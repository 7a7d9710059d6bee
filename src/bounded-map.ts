/** One entry, linked into a circular list in order of use. */
interface Link<K, V> {
  key: K
  value: V
  /** Towards the most recently used end. */
  newer: Link<K, V>
  /** Towards the least recently used end. */
  older: Link<K, V>
}

/**
 * A map of at most `maxSize` entries that forgets its least recently used entry to make room; `get`
 * and `set` count as uses. For bookkeeping maps that must not grow without bound (back-off times,
 * sequence numbers, tag versions), not for cached values: the memory tier has its own policies.
 *
 * Recency is a doubly linked list rather than the insertion order of a `Map` (delete and set again on
 * every `get`): that leaves a deleted slot in the `Map` per `get`, and compacting them made a `get`
 * several times slower.
 */
export class BoundedMap<K, V> {
  private readonly links = new Map<K, Link<K, V>>()
  /** The list's sentinel: `older` is the most recently used entry, `newer` the least recently used. */
  private readonly sentinel: Link<K, V>

  /**
   * @param maxSize - most entries held (an integer, at least 1)
   * @param onEvict - called with each entry removed to make room (not for `delete` or `clear`)
   */
  constructor(
    readonly maxSize: number,
    private readonly onEvict?: (value: V, key: K) => void,
  ) {
    if (!Number.isSafeInteger(maxSize) || maxSize < 1)
      throw new RangeError(`BoundedMap maxSize must be a positive integer; got ${maxSize}`)
    const sentinel = { newer: undefined, older: undefined } as unknown as Link<K, V>
    sentinel.newer = sentinel
    sentinel.older = sentinel
    this.sentinel = sentinel
  }

  get size(): number {
    return this.links.size
  }

  /** The value held for `key`, which becomes the most recently used entry. */
  get(key: K): V | undefined {
    const link = this.links.get(key)
    if (link === undefined) return undefined
    this.moveToNewest(link)
    return link.value
  }

  /** Holds `value` for `key` as the most recently used entry, evicting the least recently used if full. */
  set(key: K, value: V): void {
    const held = this.links.get(key)
    if (held !== undefined) {
      held.value = value
      this.moveToNewest(held)
      return
    }
    const sentinel = this.sentinel
    const link: Link<K, V> = { key, value, newer: sentinel, older: sentinel.older }
    sentinel.older.newer = link
    sentinel.older = link
    this.links.set(key, link)
    if (this.links.size > this.maxSize) this.evictOldest()
  }

  delete(key: K): boolean {
    const link = this.links.get(key)
    if (link === undefined) return false
    this.remove(link)
    return true
  }

  clear(): void {
    this.links.clear()
    this.sentinel.newer = this.sentinel
    this.sentinel.older = this.sentinel
  }

  /** The values held, least recently used first. */
  *values(): IterableIterator<V> {
    for (let link = this.sentinel.newer; link !== this.sentinel; link = link.newer) yield link.value
  }

  private evictOldest(): void {
    const oldest = this.sentinel.newer
    this.remove(oldest)
    this.onEvict?.(oldest.value, oldest.key)
  }

  private remove(link: Link<K, V>): void {
    this.unlink(link)
    this.links.delete(link.key)
  }

  private moveToNewest(link: Link<K, V>): void {
    const sentinel = this.sentinel
    if (sentinel.older === link) return
    this.unlink(link)
    link.newer = sentinel
    link.older = sentinel.older
    sentinel.older.newer = link
    sentinel.older = link
  }

  private unlink(link: Link<K, V>): void {
    link.older.newer = link.newer
    link.newer.older = link.older
  }
}
