import { type Duration, toTimerMilliseconds } from '../duration.js'
import { CacheClosedError } from '../errors.js'
import type { ScheduledWarmer } from '../load/warm.js'
import { auditTierSizes } from '../tiers/redis/audit.js'
import type { Tier } from '../tiers/tier.js'
import type { AuditReport } from '../types/audit-report.js'
import type { CacheParts } from './parts.js'
import { waitUntil } from './startup.js'

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

  /** True within `timeout` once every tier is up (Redis tiers connected and in service) and memory tiers are in use. */
  ready(timeout: Duration): Promise<boolean> {
    let timeoutMs: number
    try {
      timeoutMs = toTimerMilliseconds(timeout, 'ready timeout')
    } catch (error) {
      return Promise.reject(error)
    }
    return waitUntil(this.parts.events, () => this.allUp(), timeoutMs)
  }

  private allUp(): boolean {
    const { sync, tiers, health } = this.parts
    return (
      sync.healthy &&
      tiers.every((tier) => tier.state === undefined || tier.state === 'up') &&
      health.tiers.every((tier) => tier.state === 'up')
    )
  }

  async audit(): Promise<AuditReport[]> {
    const { startup } = this.parts
    if (!startup.done) await startup.wait()
    const audited = this.parts.tiers.filter(
      (tier): tier is Tier & { audit(): Promise<AuditReport> } =>
        typeof (tier as { audit?: unknown }).audit === 'function',
    )
    return auditTierSizes(await Promise.all(audited.map((tier) => tier.audit())))
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    const { flights, stack, sync, tiers, startup } = this.parts
    startup.close()
    for (const warmer of this.warmers) warmer.stop()
    flights.abortAll(new CacheClosedError('load'))
    await stack.idle()
    await sync.close()
    await Promise.all(tiers.map((tier) => tier.close()))
  }
}
