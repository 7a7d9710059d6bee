import type { EvictionPolicy, EvictionPolicyFactory, PolicyLimits, PolicyValue } from '../eviction-policy.js'
import { grown, INITIAL_SLOTS, Lru, SENTINEL } from './lru.js'

/**
 * The most second chances one eviction gives before it takes the least recent entry regardless: keeps
 * every operation O(1), where an unbounded sweep over entries that were all read since would be O(n).
 */
const MAX_SECOND_CHANCES = 8

/**
 * CLOCK (second chance), the LRU approximation of operating systems' page caches and PostgreSQL's
 * buffer pool, over the same list as the `lru` policy: a hit only sets its entry's reference bit, and the
 * entry is moved to the recent end when it reaches the eviction end with the bit set (the bit is then
 * cleared). A hit thus writes one byte instead of relinking the list, which is most of an LRU hit's own
 * cost; eviction pays for the moves instead, at most 8 per eviction.
 */
export const clockPolicy: EvictionPolicyFactory = <V extends PolicyValue>(
  limits: PolicyLimits,
): EvictionPolicy<V> => new Clock<V>(limits)

class Clock<V extends PolicyValue> extends Lru<V> {
  /** 1 for an entry read since it was last linked at the recent end. */
  private referenced = new Uint8Array(INITIAL_SLOTS)

  override get(key: string): V | undefined {
    const value = this.values.get(key)
    if (value !== undefined) this.referenced[value.policySlot] = 1
    return value
  }

  /** A write counts as a read too, so the eviction the write may cause never takes the entry just written. */
  protected override renew(slot: number): void {
    super.renew(slot)
    this.referenced[slot] = 1
  }

  override clear(): void {
    super.clear()
    this.referenced = new Uint8Array(INITIAL_SLOTS)
  }

  protected override resize(length: number): void {
    super.resize(length)
    this.referenced = grown(this.referenced, new Uint8Array(length))
  }

  protected override nextVictim(): number {
    for (let chance = 0; chance < MAX_SECOND_CHANCES; chance++) {
      const slot = this.leastRecent()
      if (slot === SENTINEL || this.referenced[slot] === 0) return slot
      this.referenced[slot] = 0
      this.moveToTail(slot)
    }
    return this.leastRecent()
  }

  protected override unlink(slot: number): void {
    this.referenced[slot] = 0
    super.unlink(slot)
  }
}
