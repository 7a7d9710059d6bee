import type { RejectReason } from './messages.js'

/** The invalidation bus's figures, in `stats().bus`. */
export interface BusStats {
  /** Messages from other processes accepted and applied. */
  readonly received: number
  /** Dropped: not JSON, the wrong shape, a version that is not a non-negative safe integer, too deeply nested. */
  readonly malformed: number
  /** Dropped: over `maxMessageBytes` or `maxMessageItems`. */
  readonly oversized: number
  /** Dropped (with a secret set): no MAC, or a MAC that does not match. */
  readonly unauthenticated: number
  /** Dropped (with a secret set): a sequence number not newer than the last one seen from its origin. */
  readonly replayed: number
}

/** Counts what the bus received, by outcome. */
export class BusCounters {
  received = 0
  private readonly rejected: Record<RejectReason, number> = {
    malformed: 0,
    oversized: 0,
    unauthenticated: 0,
    replayed: 0,
  }

  reject(reason: RejectReason): void {
    this.rejected[reason]++
  }

  snapshot(): BusStats {
    return { received: this.received, ...this.rejected }
  }
}
