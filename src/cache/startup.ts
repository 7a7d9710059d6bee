import type { CacheEvents } from '../cache-events.js'
import type { HealthLog } from '../health-log.js'
import type { Synchronizer } from '../sync/synchronizer.js'
import type { Tier } from '../tiers/tier.js'

/**
 * Longest the start waits, once the coordinating tier is up, for the invalidation bus to confirm its
 * subscription (its own first heartbeat coming back), which takes a round trip or two.
 */
const BUS_CONFIRM_TIMEOUT_MS = 2000

/**
 * The cache's first moments. Operations issued while a Redis tier makes its first connection wait for
 * it (each tier at most its `connectTimeout`), then for the invalidation bus to confirm its
 * subscription, from when memory tiers are in use: so the first operations after `createCache` behave
 * as every later one does, instead of skipping tiers that are about to be up. Once over, `done` is true
 * and nothing waits any more (a memory hit never looks here: memory tiers are bypassed until then).
 */
export class Startup {
  /** True once the start is over: every tier was up or timed out, and the bus was confirmed or given up on. */
  done = false
  private readonly over: Promise<void>
  private end!: () => void

  constructor(health: HealthLog, sync: Synchronizer, events: CacheEvents, coordinator: Tier | undefined) {
    if (health.tiers.length === 0 && sync.healthy) {
      this.done = true
      this.over = Promise.resolve()
      return
    }
    const closed = new Promise<void>((resolve) => {
      this.end = resolve
    })
    this.over = Promise.race([closed, this.waitForTiersAndBus(health, sync, events, coordinator)]).then(
      () => {
        this.done = true
      },
    )
  }

  /** Resolves when the start is over (at once when it is). */
  wait(): Promise<void> {
    return this.over
  }

  /** A cache closed during its start: nothing waits any more. */
  close(): void {
    this.end?.()
  }

  private async waitForTiersAndBus(
    health: HealthLog,
    sync: Synchronizer,
    events: CacheEvents,
    coordinator: Tier | undefined,
  ): Promise<void> {
    await Promise.all(health.tiers.map((tier) => tier.started))
    // Invalidations ride on the coordinating tier: wait for them only when it is up.
    if (coordinator?.state === 'up') await waitUntil(events, () => sync.healthy, BUS_CONFIRM_TIMEOUT_MS)
  }
}

/**
 * Resolves true as soon as `check()` holds, re-checked whenever a tier or the invalidation bus changes
 * state; false if it still does not after `timeoutMs`.
 */
export function waitUntil(events: CacheEvents, check: () => boolean, timeoutMs: number): Promise<boolean> {
  if (check()) return Promise.resolve(true)
  return new Promise((resolve) => {
    const listener = () => {
      if (check()) done(true)
    }
    const done = (result: boolean) => {
      clearTimeout(timer)
      events.off('tierState', listener)
      events.off('syncState', listener)
      resolve(result)
    }
    const timer = setTimeout(() => done(check()), timeoutMs)
    events.on('tierState', listener)
    events.on('syncState', listener)
  })
}
