import type { Duration } from '../duration.js'
import { InvalidOptionError } from '../errors.js'
import { assertValidKeys } from '../keys.js'
import type { BatchLoader } from '../load/batch.js'
import {
  type ScheduledWarmer,
  scheduleWarm,
  type WarmOptions,
  type WarmSource,
  warmOnce,
} from '../load/warm.js'
import type { WriteOptions } from '../options.js'
import type { Tier } from '../tiers/tier.js'
import type { WarmProgress } from '../types/warm-progress.js'
import type { CacheParts } from './parts.js'
import type { CacheReads } from './reads.js'

/**
 * Runs a warm-up once, or schedules it every `options.every`. Reads start below the memory tier: a
 * key this process still holds must still be copied into a restarted hot tier.
 */
export function warm<V>(
  parts: CacheParts,
  reads: CacheReads,
  source: WarmSource,
  loader: BatchLoader<V> | undefined,
  options: WarmOptions & { every?: Duration },
): Promise<WarmProgress> | ScheduledWarmer {
  if (loader !== undefined && typeof loader !== 'function')
    throw new InvalidOptionError('warm loader must be a batch loader function')
  const { options: cache, stack, writeOptions, events } = parts
  const read = <T>(
    keys: readonly string[],
    batchLoader: BatchLoader<T> | undefined,
    perCall: WriteOptions,
  ) => {
    assertValidKeys(keys, cache.maxKeyBytes)
    return reads.readMany(keys, stack.slowPathStart, batchLoader, writeOptions.resolve(perCall))
  }
  const run = () => warmOnce(read, source, loader, options, events)
  if (options.every === undefined) return run()
  return scheduleWarm(run, options.every, (error) =>
    events.report('tierError', { tier: 'warm', operation: 'warm', error }),
  )
}

/** Every key of the namespace held by the named Redis tier (SCAN in batches; may repeat a key). */
export function tierKeys(parts: CacheParts, tier: string): AsyncIterable<string> {
  const source = parts.tiers.find((candidate) => candidate.name === tier) as
    | (Tier & { keys?: () => AsyncIterable<string> })
    | undefined
  if (!source?.keys)
    throw new InvalidOptionError(`keys() needs the name of a Redis tier of this cache; got "${tier}"`)
  return source.keys()
}
