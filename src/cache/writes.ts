import { serializeOrThrow } from '../codec/serializer.js'
import { type Entry, NO_TAGS } from '../entry.js'
import { InvalidationError, InvalidOptionError } from '../errors.js'
import { assertValidKey, assertValidKeys, assertValidTags } from '../keys.js'
import { makeEntry } from '../load/entries.js'
import type { WriteOptions } from '../options.js'
import type { Fill } from '../tiers/tier.js'
import type { CacheParts } from './parts.js'

/**
 * The write side of a cache: `set`, `deleteMany`, `invalidateTags` and `clear`. Every write goes to
 * every tier under a version issued by the coordinator, then other processes are told to drop their
 * copies; running loads of the keys written are marked so their older values are not kept here.
 */
export class CacheWrites {
  constructor(private readonly parts: CacheParts) {}

  async set<V>(key: string, value: V, options: WriteOptions | undefined): Promise<void> {
    const { options: cache, writeOptions, flights } = this.parts
    assertValidKey(key, cache.maxKeyBytes)
    if (value === undefined)
      throw new InvalidOptionError('cannot set undefined; use delete() to remove a key')
    const resolved = writeOptions.resolve(options)
    const payload = serializeOrThrow(cache.serializer, value, key, cache.maxValueBytes)
    await this.started()
    const now = this.parts.options.clock.now()
    flights.invalidate(key)
    const entry = makeEntry(value, 0, resolved, now, cache)
    await this.writeEverywhere([{ key, entry, payload, versioning: 'issue', durable: true }], now)
    if (this.parts.events.listened('set')) this.parts.events.report('set', { key })
  }

  /**
   * Writes tombstones: Redis tiers keep them for `tombstoneTtl`, so a load which started before the
   * delete cannot write its older value back afterwards.
   */
  async deleteMany(keys: readonly string[]): Promise<void> {
    const { options, flights } = this.parts
    assertValidKeys(keys, options.maxKeyBytes)
    await this.started()
    const now = this.parts.options.clock.now()
    const tombstone: Entry = {
      value: undefined,
      version: 0,
      createdAt: now,
      freshUntil: now,
      staleUntil: now + options.tombstoneTtlMs,
      tags: NO_TAGS,
      tombstone: true,
    }
    const unique = [...new Set(keys)]
    for (const key of unique) flights.invalidate(key)
    const fills = unique.map(
      (key): Fill => ({ key, entry: tombstone, payload: undefined, versioning: 'issue', durable: true }),
    )
    await this.writeEverywhere(fills, now)
    if (this.parts.events.listened('delete')) this.parts.events.report('delete', { keys: unique })
  }

  /** Records a new version per tag (in the coordinator, else locally) and tells every process. */
  async invalidateTags(tags: readonly string[]): Promise<void> {
    const { options, stack, sync } = this.parts
    assertValidTags(tags, options.maxKeyBytes)
    const unique = [...new Set(tags)]
    if (unique.length === 0) return
    await this.started()
    const coordinator = stack.coordinator
    let version: number | undefined
    if (coordinator) {
      version = await coordinator.invalidateTags(unique, options.tagTtlMs)
      if (version === undefined) {
        throw new InvalidationError(
          `tier "${coordinator.name}" could not record the invalidation of tags ${unique.join(', ')}`,
        )
      }
      stack.clock.observe(version)
    } else {
      version = stack.clock.next()
    }
    await sync.tagsInvalidated(unique, version)
  }

  async clear(): Promise<void> {
    const { tiers, sync } = this.parts
    await this.started()
    await Promise.all(tiers.map((tier) => tier.clear()))
    await sync.cleared()
  }

  /**
   * Writes issued while the cache starts wait for its tiers' first connections (see cache/startup.ts),
   * so that they reach every tier that comes up in time; a tier that does not gets them replayed.
   */
  private async started(): Promise<void> {
    if (!this.parts.startup.done) await this.parts.startup.wait()
  }

  private async writeEverywhere(fills: readonly Fill[], now: number): Promise<void> {
    const issued = await this.parts.stack.writeIssued(fills, now)
    await this.parts.sync.keysWritten(issued)
  }
}
