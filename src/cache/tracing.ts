import { type OperationMessage, operationChannels, type TracedOperation } from '../channels.js'
import type { SyncTier } from '../tiers/tier.js'
import type { CacheParts } from './parts.js'

/**
 * Publishes a public call on its `tiercache:<operation>` tracing channel. Only called once the facade
 * has seen a subscriber (see `isTraced`), so an unobserved cache never builds a message.
 */
export class CacheTracing {
  private readonly tierNames: readonly string[]
  private readonly l1: SyncTier | undefined

  constructor(private readonly parts: CacheParts) {
    this.tierNames = parts.tiers.map((tier) => tier.name)
    this.l1 = parts.stack.l1
  }

  /** Runs `call` as one traced call of `operation` on `key`, noting whether memory answered it. */
  key<T>(operation: TracedOperation, key: string, call: () => Promise<T>): Promise<T> {
    const message: OperationMessage = this.message(operation, key, undefined)
    const l1 = this.l1
    return operationChannels[operation].tracePromise(() => {
      // The memory tier is read synchronously before the first await, so a fresh hit it counts during
      // this call is this call's.
      const hitsBefore = l1?.counters.hits ?? 0
      const result = call()
      if (l1 !== undefined && l1.counters.hits > hitsBefore) message.memoryHit = l1.name
      return result
    }, message)
  }

  /** Runs `call` as one traced call of `operation` on several keys (or tags). */
  keys<T>(
    operation: TracedOperation,
    keys: readonly string[] | undefined,
    call: () => Promise<T>,
  ): Promise<T> {
    return operationChannels[operation].tracePromise(call, this.message(operation, undefined, keys))
  }

  private message(
    operation: TracedOperation,
    key: string | undefined,
    keys: readonly string[] | undefined,
  ): OperationMessage {
    const message: OperationMessage = {
      operation,
      namespace: this.parts.options.namespace,
      tiers: this.tierNames,
    }
    return key !== undefined ? { ...message, key } : keys !== undefined ? { ...message, keys } : message
  }
}
