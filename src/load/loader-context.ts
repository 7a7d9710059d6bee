import type { Duration } from '../duration.js'

/** What a loader receives. */
export interface LoaderContext {
  /** The key being loaded. */
  readonly key: string
  /** Aborted on the hard timeout and when the cache closes; pass it to fetch() or your database driver. */
  readonly signal: AbortSignal
  /**
   * Caches the value for `ttl` instead of the call's TTL, e.g. an API response's max-age. More than 0
   * and at most 10 years, as any TTL.
   */
  setTtl(ttl: Duration): void
  /** Tags the value with `tags` instead of the call's tags, e.g. the categories of the loaded product. */
  setTags(tags: readonly string[]): void
  /**
   * Returns the value to the callers without caching it anywhere, e.g. an error object an API answered
   * with. The next call loads again.
   */
  skip(): void
}

/** What a batch loader receives: the same choices as {@link LoaderContext}, per key. */
export interface BatchLoaderContext {
  /** Aborted on the hard timeout and when the cache closes. */
  readonly signal: AbortSignal
  /** Caches `key`'s value for `ttl` instead of the call's TTL. */
  setTtl(key: string, ttl: Duration): void
  /** Tags `key`'s value with `tags` instead of the call's tags. */
  setTags(key: string, tags: readonly string[]): void
  /** Returns `key`'s value without caching it. */
  skip(key: string): void
}
