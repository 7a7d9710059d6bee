/**
 * The `tiercache/policies` entry: the memory tier's eviction policies, to pass as `memoryTier({ policy })`
 * with options, or to build a policy of your own against.
 *
 * @module tiercache/policies
 */
export type {
  EvictionPolicy,
  EvictionPolicyFactory,
  PolicyLimits,
  PolicyValue,
} from '../tiers/memory/eviction-policy.js'
export type { MemoryPolicyName } from '../tiers/memory/memory-tier.js'
export { clockPolicy } from '../tiers/memory/policies/clock.js'
export { lfuPolicy } from '../tiers/memory/policies/lfu.js'
export { lruPolicy } from '../tiers/memory/policies/lru.js'
export { s3FifoPolicy } from '../tiers/memory/policies/s3-fifo.js'
export {
  createWTinyLfuPolicy,
  type WindowAdaptation,
  type WTinyLfuOptions,
  wTinyLfuPolicy,
} from '../tiers/memory/policies/w-tinylfu.js'
