import type { EvictionPolicyFactory, PolicyValue } from '../../src/tiers/memory/eviction-policy.js'
import { clockPolicy } from '../../src/tiers/memory/policies/clock.js'
import { lfuPolicy } from '../../src/tiers/memory/policies/lfu.js'
import { lruPolicy } from '../../src/tiers/memory/policies/lru.js'
import { s3FifoPolicy } from '../../src/tiers/memory/policies/s3-fifo.js'
import { createWTinyLfuPolicy, wTinyLfuPolicy } from '../../src/tiers/memory/policies/w-tinylfu.js'
import { optimalHits } from './optimal.js'
import type { Trace } from './trace.js'

/** Policies the simulator knows by name. `opt` is Belady's offline optimum, not a policy. */
export const SIMULATED_POLICIES: Readonly<Record<string, EvictionPolicyFactory>> = {
  lru: lruPolicy,
  clock: clockPolicy,
  lfu: lfuPolicy,
  's3-fifo': s3FifoPolicy,
  'w-tinylfu': wTinyLfuPolicy,
  // Other window sizings, to see what adaptation buys: Caffeine's hill climber, and a fixed 1 % window.
  'w-tinylfu-hill': createWTinyLfuPolicy({ adaptation: 'hill-climbing' }),
  'w-tinylfu-fixed': createWTinyLfuPolicy({ adaptation: 'none' }),
}

/**
 * Replays a trace through a policy bounded to `capacity` entries (every entry size 1, no byte
 * bound), the way a read-through cache uses it: a read, and on a miss a write. Returns the hits.
 */
export function replayHits(trace: Trace, factory: EvictionPolicyFactory, capacity: number): number {
  const policy = factory<PolicyValue>({
    maxEntries: capacity,
    maxBytes: Number.MAX_SAFE_INTEGER,
    onEvict: () => {},
  })
  const { ids, keys } = trace
  let hits = 0
  for (let i = 0; i < ids.length; i++) {
    const key = keys[ids[i] as number] as string
    if (policy.get(key) === undefined) policy.set(key, { policySlot: 0 }, 1)
    else hits++
  }
  return hits
}

/** Hit ratio (0..1) of a named policy, or of `opt`, on a trace at a capacity. */
export function hitRatio(trace: Trace, policy: string, capacity: number): number {
  if (trace.ids.length === 0) return 0
  if (policy === 'opt') return optimalHits(trace, capacity) / trace.ids.length
  const factory = SIMULATED_POLICIES[policy]
  if (factory === undefined) {
    throw new Error(
      `unknown policy ${policy}; known: ${[...Object.keys(SIMULATED_POLICIES), 'opt'].join(', ')}`,
    )
  }
  return replayHits(trace, factory, capacity) / trace.ids.length
}
