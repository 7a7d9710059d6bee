import { type OperationMessage, operationChannels, type TracedOperation } from '../channels.js'
import type { BatchLoader } from '../load/batch.js'
import type { Loader } from '../load/loads.js'
import type { LoadOptions, WriteOptions } from '../options.js'
import type { LocalTier } from '../tiers/tier.js'
import type { CacheParts } from './parts.js'
import type { CacheReads } from './reads.js'
import type { CacheWrites } from './writes.js'

/**
 * Publishes a public call on its `tiercache:<operation>` tracing channel. Only called once the facade
 * has seen a subscriber (see `isTraced`), so an unobserved cache never builds a message. One method per
 * operation, so that the closures live here: a closure in the facade's method would make V8 allocate a
 * context on every call, traced or not.
 */
export class CacheTracing {
  private readonly tierNames: readonly string[]
  private readonly l1: LocalTier | undefined

  constructor(
    private readonly parts: CacheParts,
    private readonly reads: CacheReads,
    private readonly writes: CacheWrites,
  ) {
    this.tierNames = parts.tiers.map((tier) => tier.name)
    this.l1 = parts.stack.l1
  }

  get<V>(key: string): Promise<V | undefined> {
    return this.key('get', key, () => this.reads.get<V>(key))
  }

  getOrLoad<V>(key: string, loader: Loader<V>, options: LoadOptions | undefined): Promise<V> {
    return this.key('getOrLoad', key, () => this.reads.getOrLoad(key, loader, options))
  }

  getMany<V>(
    keys: readonly string[],
    batchLoader: BatchLoader<V> | undefined,
    options: WriteOptions | undefined,
  ): Promise<(V | undefined)[]> {
    return this.keys('getMany', keys, () => this.reads.getMany<V>(keys, batchLoader, options))
  }

  has(key: string): Promise<boolean> {
    return this.key('has', key, () => this.reads.has(key))
  }

  set<V>(key: string, value: V, options: WriteOptions | undefined): Promise<void> {
    return this.key('set', key, () => this.writes.set(key, value, options))
  }

  deleteMany(keys: readonly string[]): Promise<void> {
    return this.keys('delete', keys, () => this.writes.deleteMany(keys))
  }

  invalidateTags(tags: readonly string[]): Promise<void> {
    return this.keys('invalidateTags', tags, () => this.writes.invalidateTags(tags))
  }

  clear(): Promise<void> {
    return this.keys('clear', undefined, () => this.writes.clear())
  }

  /** Runs `call` as one traced call of `operation` on `key`, noting whether memory answered it. */
  private key<T>(operation: TracedOperation, key: string, call: () => Promise<T>): Promise<T> {
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
