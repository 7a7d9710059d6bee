/** @module tiercache/keyv */
import { EventEmitter } from 'node:events'
import type { TierCache } from '../cache.js'

/**
 * The store interface Keyv 5 expects (`KeyvStoreAdapter`), spelled out here so that the library does
 * not depend on Keyv's types: any Keyv 5 accepts it structurally.
 */
export interface TiercacheKeyvStore {
  readonly opts: { readonly dialect: 'tiercache'; readonly url?: undefined }
  namespace?: string | undefined
  get(key: string): Promise<unknown>
  getMany(keys: string[]): Promise<unknown[]>
  set(key: string, value: unknown, ttl?: number): Promise<boolean>
  setMany(entries: { key: string; value: unknown; ttl?: number }[]): Promise<void>
  has(key: string): Promise<boolean>
  hasMany(keys: string[]): Promise<boolean[]>
  delete(key: string): Promise<boolean>
  deleteMany(keys: string[]): Promise<boolean>
  /** Removes every key of the cache's namespace (the whole tiercache namespace, not only Keyv's prefix). */
  clear(): Promise<void>
  /** Does nothing: the cache belongs to whoever created it, who closes it. */
  disconnect(): Promise<void>
  on(event: string, listener: (...args: unknown[]) => void): this
}

/**
 * A Keyv store backed by a tiercache stack, so that Keyv users (and cache-manager 7, and NestJS's
 * cache module on top of it) get memory + Redis tiers, invalidation across processes and stampede
 * protection underneath:
 *
 * @example
 * ```ts
 * import Keyv from 'keyv'
 * import { createCache as createCacheManager } from 'cache-manager'
 * import { createCache, memoryTier, redisTier } from 'tiercache'
 * import { tiercacheStore } from 'tiercache/keyv'
 *
 * const cache = createCache({ namespace: 'api', tiers: [memoryTier(), redisTier({ url })] })
 * const manager = createCacheManager({ stores: [new Keyv({ store: tiercacheStore(cache) })] })
 * await manager.set('user:1', { name: 'Ada' }, 60_000)
 * ```
 *
 * Keyv's `ttl` (milliseconds) becomes the entry's `ttl`; without one the cache's default applies.
 * Keyv serializes values to strings before they reach the store unless it is created with
 * `serialize: undefined, deserialize: undefined`, in which case tiercache's own serializer stores them.
 * `clear()` clears the tiercache namespace, so give Keyv a cache of its own.
 */
export function tiercacheStore(cache: TierCache): TiercacheKeyvStore {
  const emitter = new EventEmitter()
  const store: TiercacheKeyvStore = {
    opts: { dialect: 'tiercache' },
    namespace: undefined,
    get: (key) => cache.get(key),
    getMany: (keys) => cache.getMany(keys),
    async set(key, value, ttl) {
      await cache.set(key, value, ttlOption(ttl))
      return true
    },
    async setMany(entries) {
      await Promise.all(entries.map(({ key, value, ttl }) => cache.set(key, value, ttlOption(ttl))))
    },
    has: (key) => cache.has(key),
    hasMany: (keys) => Promise.all(keys.map((key) => cache.has(key))),
    async delete(key) {
      const existed = await cache.has(key)
      await cache.delete(key)
      return existed
    },
    async deleteMany(keys) {
      const existed = await Promise.all(keys.map((key) => cache.has(key)))
      await cache.deleteMany(keys)
      return existed.some(Boolean)
    },
    clear: () => cache.clear(),
    disconnect: async () => undefined,
    on(event, listener) {
      emitter.on(event, listener)
      return store
    },
  }
  return store
}

/** Keyv passes `undefined` (or 0, "no expiry" in Keyv) when no TTL was asked for: the cache's default then applies. */
function ttlOption(ttl: number | undefined): { ttl: number } | undefined {
  return typeof ttl === 'number' && ttl > 0 ? { ttl } : undefined
}
