import { randomUUID } from 'node:crypto'
import type { Coordinator, LeaseHandoff } from './tier.js'

/** The outcome of asking for a key's load lease. */
export type Lease =
  /** This process holds it and must load (with `clock` as its start version), then release it. */
  | { readonly kind: 'held'; readonly token: string; readonly clock: number }
  /** Another process holds it and is loading. */
  | { readonly kind: 'taken' }
  /** The coordinator did not answer: load without a lease (availability over deduplication). */
  | { readonly kind: 'none' }
  /** The key was written or filled since the caller read it: read again rather than load. */
  | { readonly kind: 'changed' }

const NO_LEASE: Lease = Object.freeze({ kind: 'none' })
const TAKEN: Lease = Object.freeze({ kind: 'taken' })
const CHANGED: Lease = Object.freeze({ kind: 'changed' })

/**
 * Cluster-wide stampede protection: on a miss, a process loads only if it takes the key's lease in the
 * coordinating tier (SET NX PX, a TTL tied to the loader timeout). The others wait: woken by a
 * "filled" message on the bus when the holder has written the value, or by a bounded poll; a lease
 * whose holder died expires and the next waiter takes over.
 */
export class Leases {
  private readonly waiting = new Map<string, Set<() => void>>()
  private counter = 0
  private readonly prefix = randomUUID()

  constructor(
    private readonly coordinator: Coordinator,
    readonly ttlMs: number,
    readonly pollIntervalMs: number,
    private readonly announce: (keys: readonly string[]) => Promise<void>,
  ) {}

  /**
   * `seenVersion`: the newest version of the key the caller's read saw; omit it to skip that check.
   * `alongRead`: the caller reads the key in this same turn (see Coordinator.acquireLease).
   */
  async acquire(key: string, seenVersion?: number, alongRead = false): Promise<Lease> {
    const token = `${this.prefix}:${++this.counter}`
    const answer = await this.coordinator.acquireLease(key, token, this.ttlMs, seenVersion, alongRead)
    if (answer === undefined) return NO_LEASE
    if ('changed' in answer) return CHANGED
    return answer.taken ? { kind: 'held', token, clock: answer.clock } : TAKEN
  }

  /**
   * Releases a held lease and wakes whoever waits for the key: here at once, in other processes with a
   * "filled" message on the bus, sent only when some process marked the lease as awaited. Asks the
   * coordinator only if the write of the fill did not release it already (`handoff`).
   */
  async release(key: string, lease: Lease, handoff?: LeaseHandoff): Promise<void> {
    if (lease.kind !== 'held') return
    const awaited = handoff?.released
      ? handoff.awaited
      : await this.coordinator.releaseLease(key, lease.token)
    this.filled([key])
    if (awaited) await this.announce([key])
  }

  /** Resolves when `key` is announced as filled, or after `ms`, whichever comes first. */
  wait(key: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let waiters = this.waiting.get(key)
      if (!waiters) {
        waiters = new Set()
        this.waiting.set(key, waiters)
      }
      const done = () => {
        clearTimeout(timer)
        waiters.delete(done)
        if (waiters.size === 0 && this.waiting.get(key) === waiters) this.waiting.delete(key)
        resolve()
      }
      const timer = setTimeout(done, ms)
      waiters.add(done)
    })
  }

  /** Keys another process (or this one) filled: wake whoever waits for them. */
  filled(keys: readonly string[]): void {
    for (const key of keys) {
      const waiters = this.waiting.get(key)
      if (waiters) for (const wake of [...waiters]) wake()
    }
  }
}
