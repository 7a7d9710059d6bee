import type { RedisArgument, RedisConnection } from './connection.js'
import type { KeyLayout } from './key-layout.js'
import type { CoordinatorLinks } from './redis-coordinator.js'
import { asArray, escapeGlob } from './replies.js'
import { groupBySlot } from './slots.js'
import { NO_ANSWER, type TierGuard } from './tier-guard.js'

/**
 * Walks the entries of one namespace in a Redis tier with SCAN (never KEYS or FLUSHDB): on the one
 * server, or on every master of a cluster (SCAN only sees the node it is sent to).
 */
export class NamespaceScan {
  private readonly pattern: string

  constructor(
    private readonly guard: TierGuard,
    private readonly keys: KeyLayout,
    private readonly links: CoordinatorLinks,
  ) {
    this.pattern = `${escapeGlob(keys.entryPrefix)}*`
  }

  /**
   * Deletes every entry of the namespace: SCAN + UNLINK in batches on each master, the masters in
   * parallel. In a cluster one UNLINK names keys of one slot only. False if some node did not answer.
   */
  async clear(recovery: boolean): Promise<boolean> {
    const { writer } = this.links
    const masters = await this.guard.call('clear', writer, () => writer.masters(), recovery)
    if (masters === NO_ANSWER) return false
    const send = (connection: RedisConnection, args: RedisArgument[]) =>
      this.guard.call('clear', connection, () => connection.send(args), recovery)
    const cleared = await Promise.all(
      masters.map(async (master) => {
        let cursor = '0'
        do {
          const reply = await send(master, ['SCAN', cursor, 'MATCH', this.pattern, 'COUNT', '500'])
          if (reply === NO_ANSWER) return false
          const [next, found] = asArray(reply)
          cursor = String(next)
          const unlinked = await Promise.all(
            this.unlinkBatches(asArray(found) as Buffer[]).map((keys) => send(writer, ['UNLINK', ...keys])),
          )
          if (unlinked.includes(NO_ANSWER)) return false
        } while (cursor !== '0')
        return true
      }),
    )
    return !cleared.includes(false)
  }

  /** The UNLINK commands for keys found by one SCAN: one, or one per hash slot in a cluster. */
  private unlinkBatches(found: Buffer[]): Buffer[][] {
    if (found.length === 0) return []
    if (this.keys.topology === 'standalone') return [found]
    return groupBySlot(found).map((positions) => positions.map((i) => found[i] as Buffer))
  }

  /** Every key of this namespace held by the tier (SCAN, in batches, master after master). */
  async *entryKeys(): AsyncGenerator<string> {
    const { connection } = this.links
    const masters = await this.guard.call('scan', connection, () => connection.masters())
    if (masters === NO_ANSWER) return
    const prefixLength = this.keys.entryPrefix.length
    for (const master of masters) {
      let cursor = '0'
      do {
        const reply: unknown = await this.guard.call('scan', master, () =>
          master.send(['SCAN', cursor, 'MATCH', this.pattern, 'COUNT', '500']),
        )
        if (reply === NO_ANSWER) return
        const [next, found] = asArray(reply)
        cursor = String(next)
        for (const key of asArray(found)) yield String(key).slice(prefixLength)
      } while (cursor !== '0')
    }
  }
}
