import type { Fill } from '../tier.js'

/**
 * The sets and deletes a Redis tier must see again when it comes back from an outage:
 * - those it missed while unreachable (skipped or failed), and
 * - those it acknowledged in the last few seconds, which a server that crashed may have lost (AOF with
 *   `appendfsync everysec` can drop up to a second of writes).
 * Replaying is safe because every write is conditional on its version. Only this process's writes are
 * known here; each process replays its own.
 */
export class ReplayLog {
  private readonly missed = new Map<string, Fill>()
  /** Recently acknowledged writes, oldest first (Map keeps insertion order; updates re-insert). */
  private readonly recent = new Map<string, { fill: Fill; at: number }>()
  private overflowed = false

  constructor(
    private readonly windowMs = 5000,
    private readonly maxKeys = 10_000,
  ) {}

  /** A durable write the tier acknowledged. */
  acknowledged(fill: Fill, now: number): void {
    if (!fill.durable) return
    this.recent.delete(fill.key)
    this.recent.set(fill.key, { fill, at: now })
    for (const [key, { at }] of this.recent) {
      if (at >= now - this.windowMs && this.recent.size <= this.maxKeys) break
      this.recent.delete(key)
    }
  }

  /** A durable write the tier did not take (unreachable, timed out, failed). Needs its final version. */
  missedWrite(fill: Fill): void {
    if (!fill.durable || fill.versioning !== 'given') return
    if (this.missed.size >= this.maxKeys && !this.missed.has(fill.key)) {
      this.overflowed = true
      return
    }
    const known = this.missed.get(fill.key)
    if (!known || known.entry.version <= fill.entry.version) this.missed.set(fill.key, fill)
  }

  /**
   * What to replay now, newest version per key. `overflowed` means more writes were missed than could
   * be remembered: the tier may hold any key's replaced value and should be cleared instead.
   */
  drain(now: number): { fills: Fill[]; overflowed: boolean } {
    const byKey = new Map<string, Fill>()
    for (const [key, { fill, at }] of this.recent) if (at >= now - this.windowMs) byKey.set(key, fill)
    const missed = this.drainMissed()
    for (const fill of missed.fills) {
      const known = byKey.get(fill.key)
      if (!known || known.entry.version <= fill.entry.version) byKey.set(fill.key, fill)
    }
    return { fills: [...byKey.values()], overflowed: missed.overflowed }
  }

  /** Only the missed writes (the tier is in service: what it acknowledged, it still has). */
  drainMissed(): { fills: Fill[]; overflowed: boolean } {
    const fills = [...this.missed.values()]
    const overflowed = this.overflowed
    this.missed.clear()
    this.overflowed = false
    return { fills, overflowed }
  }

  /** Puts drained missed writes back, after the ones missed since (unless a newer version came in since). */
  requeue(fills: readonly Fill[]): void {
    for (const fill of fills) {
      const known = this.missed.get(fill.key)
      if (known !== undefined && known.entry.version > fill.entry.version) continue
      this.missed.delete(fill.key)
      this.missedWrite(fill)
    }
  }

  /** A clear meant to make up for an overflow failed: the next drain must clear again. */
  lostTrack(): void {
    this.overflowed = true
  }

  /** Missed writes waiting for replay (plus one if some were lost to overflow). */
  get pending(): number {
    return this.missed.size + (this.overflowed ? 1 : 0)
  }

  /** Recently acknowledged writes that a return to service would replay. */
  get recentCount(): number {
    return this.recent.size
  }
}
