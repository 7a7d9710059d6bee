import type { Entry } from '../entry.js'
import { InvalidOptionError } from '../errors.js'
import { assertValidKey, assertValidKeys } from '../keys.js'
import { type BatchLoader, loadMany } from '../load/batch.js'
import { dueForRefresh } from '../load/entries.js'
import type { Loader } from '../load/loads.js'
import type { LoadOptions, ResolvedWriteOptions, WriteOptions } from '../options.js'
import type { CacheParts } from './parts.js'

/**
 * The read side of a cache: `get`, `getOrLoad`, `has` and `getMany`. A read first asks the memory tier
 * synchronously (the L1 fast path: no promise until the end, no I/O), then walks the other tiers and,
 * for `getOrLoad` and `getMany`, calls the loader on a miss.
 */
export class CacheReads {
  constructor(private readonly parts: CacheParts) {}

  get<V>(key: string): Promise<V | undefined> {
    const { options, stack } = this.parts
    try {
      assertValidKey(key, options.maxKeyBytes)
    } catch (error) {
      return Promise.reject(error)
    }
    const entry = this.l1Hit(key)
    if (entry !== undefined) return Promise.resolve(entry.value as V)
    return stack
      .read([key], stack.slowPathStart, Date.now())
      .then(({ hits }) => hits.get(key)?.stored.entry.value as V | undefined)
  }

  getOrLoad<V>(key: string, loader: Loader<V>, options: LoadOptions | undefined): Promise<V> {
    const { parts } = this
    let resolved: ResolvedWriteOptions
    try {
      assertValidKey(key, parts.options.maxKeyBytes)
      if (typeof loader !== 'function')
        throw new InvalidOptionError(`getOrLoad needs a loader function; got ${typeof loader}`)
      resolved = parts.writeOptions.resolve(options)
    } catch (error) {
      return Promise.reject(error)
    }
    // The L1 fast path: a synchronous memory read, no promise until the end, no I/O.
    let l1Stale: Entry | undefined
    const l1 = parts.stack.l1
    if (l1 !== undefined) {
      const now = Date.now()
      const entry = l1.readSync?.(key, now)
      if (entry !== undefined && (entry.tags.length === 0 || parts.sync.tags.validSync(entry))) {
        if (now < entry.freshUntil) {
          if (resolved.refreshAhead > 0 && dueForRefresh(entry, now, resolved.refreshAhead)) {
            parts.loads.refreshAhead(key, loader, resolved, entry.value as V)
          }
          return Promise.resolve(entry.value as V)
        }
        l1Stale = entry
      }
    }
    return parts.loads.load(key, loader, resolved, l1Stale)
  }

  async has(key: string): Promise<boolean> {
    const { options, stack } = this.parts
    assertValidKey(key, options.maxKeyBytes)
    if (this.l1Hit(key) !== undefined) return true
    const { hits } = await stack.read([key], stack.slowPathStart, Date.now())
    return hits.has(key)
  }

  async getMany<V>(
    keys: readonly string[],
    batchLoader: BatchLoader<V> | undefined,
    options: WriteOptions | undefined,
  ): Promise<(V | undefined)[]> {
    const { parts } = this
    assertValidKeys(keys, parts.options.maxKeyBytes)
    if (batchLoader !== undefined && typeof batchLoader !== 'function') {
      throw new InvalidOptionError(`getMany batchLoader must be a function; got ${typeof batchLoader}`)
    }
    const values = await this.readMany(keys, 0, batchLoader, parts.writeOptions.resolve(options))
    return keys.map((key) => values.get(key) as V | undefined)
  }

  /**
   * Reads keys through the tiers from `from` on (back-filling hits into every tier above), then loads
   * what no tier had with `batchLoader`, if given.
   */
  async readMany<V>(
    keys: readonly string[],
    from: number,
    batchLoader: BatchLoader<V> | undefined,
    resolved: ResolvedWriteOptions,
  ): Promise<Map<string, unknown>> {
    const { stack, flights, events, options, loads } = this.parts
    const values = new Map<string, unknown>()
    const found = await stack.read([...new Set(keys)], from, Date.now())
    for (const [key, hit] of found.hits) values.set(key, hit.stored.entry.value)
    if (batchLoader !== undefined && found.missing.length > 0) {
      const context = { stack, flights, events, options, counters: loads.loaderCounters }
      await loadMany(context, found.missing, batchLoader, resolved, values)
    }
    return values
  }

  /**
   * The L1 fast path of `get` and `has`: a synchronous memory read — no promise, no option parsing, no
   * I/O. Tagged entries are checked against tag versions held in memory (kept current by the bus).
   */
  private l1Hit(key: string): Entry | undefined {
    const { stack, sync } = this.parts
    if (stack.l1 === undefined) return undefined
    const now = Date.now()
    const entry = stack.l1.readSync?.(key, now)
    if (entry === undefined || now >= entry.freshUntil) return undefined
    if (entry.tags.length > 0 && !sync.tags.validSync(entry)) return undefined
    return entry
  }
}
