import { type Duration, toTtlMilliseconds } from '../duration.js'
import { assertValidTags } from '../keys.js'
import type { ResolvedWriteOptions } from '../options.js'

/** The limits a loader's own tags are checked against: the cache's. */
export interface TagLimits {
  readonly maxKeyBytes: number
  readonly maxTags: number
}

/**
 * What a loader decided about caching the value it returns (adaptive caching): its own TTL, its own
 * tags, or not to cache it at all. Checked as it is said, so a bad TTL or tag fails the load (a
 * `LoaderError` whose `cause` is the `InvalidTtlError` or `InvalidKeyError`) before anything is written.
 */
export class CachingChoice {
  private ttlMs: number | undefined
  private tags: readonly string[] | undefined
  skipped = false

  constructor(private readonly limits: TagLimits) {}

  setTtl(ttl: Duration): void {
    this.ttlMs = toTtlMilliseconds(ttl, 'setTtl')
  }

  setTags(tags: readonly string[]): void {
    assertValidTags(tags, this.limits.maxKeyBytes, this.limits.maxTags)
    this.tags = [...new Set(tags)]
  }

  skip(): void {
    this.skipped = true
  }

  /** The call's options with this choice applied. */
  applyTo(options: ResolvedWriteOptions): ResolvedWriteOptions {
    const { ttlMs, tags } = this
    if (ttlMs === undefined && tags === undefined) return options
    return {
      ...options,
      ...(ttlMs === undefined ? {} : { ttlMs, negativeTtlMs: ttlMs }),
      ...(tags === undefined ? {} : { tags }),
    }
  }
}

/** The options a loaded value is written with: the call's, or as its loader chose; undefined when it chose not to be cached. */
export function writeOptionsFor(
  choice: CachingChoice | undefined,
  options: ResolvedWriteOptions,
): ResolvedWriteOptions | undefined {
  if (choice === undefined) return options
  return choice.skipped ? undefined : choice.applyTo(options)
}
