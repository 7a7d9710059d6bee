import { CacheEvents } from '../../src/cache-events.js'
import { v8Serializer } from '../../src/codec/serializer.js'
import type { ResolvedCacheOptions } from '../../src/options.js'
import type { TierContext } from '../../src/tiers/tier.js'

/** What a cache gives each tier it creates, for tests that create a tier on its own. */
export function tierContext(options: ResolvedCacheOptions): TierContext {
  return {
    namespace: options.namespace,
    serializer: v8Serializer,
    serializers: options.serializers,
    events: new CacheEvents(),
    maxKeyBytes: options.maxKeyBytes,
    maxValueBytes: options.maxValueBytes,
    clock: options.clock,
  }
}
