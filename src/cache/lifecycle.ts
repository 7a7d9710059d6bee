import { type Duration, toTimerMilliseconds } from '../duration.js'
import { CacheClosedError } from '../errors.js'
import type { ScheduledWarmer } from '../load/warm.js'
import type { Tier } from '../tiers/tier.js'
import { type AuditReport, auditTierSizes } from '../topology/audit.js'
import type { CacheParts } from './parts.js'

/**
 * A cache's life after construction: waiting until memory tiers may be used (`ready`), auditing the
 * Redis tiers, and closing (stopping warmers, aborting loads, waiting for background writes, closing
 * clients). Once closed, every operation rejects with `CacheClosedError`.
 */
export class CacheLifecycle {
  closed = false
  private readonly warmers = new Set<ScheduledWarmer>()

  constructor(private readonly parts: CacheParts) {}

  assertOpen(operation: string): void {
    if (this.closed) throw new CacheClosedError(operation)
  }

  /** Keeps a scheduled warmer so that `close()` stops it. */
  adopt(warmer: ScheduledWarmer): ScheduledWarmer {
    this.warmers.add(warmer)
    return warmer
  }

  ready(timeout: Duration): Promise<boolean> {
    const { sync, events } = this.parts
    let timeoutMs: number
    try {
      timeoutMs = toTimerMilliseconds(timeout, 'ready timeout')
    } catch (error) {
      return Promise.reject(error)
    }
    if (sync.healthy) return Promise.resolve(true)
    return new Promise((resolve) => {
      const done = (healthy: boolean) => {
        clearTimeout(timer)
        events.off('syncState', listener)
        resolve(healthy)
      }
      const listener = ({ healthy }: { healthy: boolean }) => {
        if (healthy) done(true)
      }
      const timer = setTimeout(() => done(sync.healthy), timeoutMs)
      events.on('syncState', listener)
    })
  }

  async audit(): Promise<AuditReport[]> {
    const audited = this.parts.tiers.filter(
      (tier): tier is Tier & { audit(): Promise<AuditReport> } =>
        typeof (tier as { audit?: unknown }).audit === 'function',
    )
    return auditTierSizes(await Promise.all(audited.map((tier) => tier.audit())))
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    const { flights, stack, sync, tiers } = this.parts
    for (const warmer of this.warmers) warmer.stop()
    flights.abortAll(new CacheClosedError('load'))
    await stack.idle()
    await sync.close()
    await Promise.all(tiers.map((tier) => tier.close()))
  }
}
