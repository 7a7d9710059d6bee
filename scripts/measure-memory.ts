/**
 * Measures what the memory tier's entries really cost on the heap, per eviction policy, and how
 * close the tier's byte accounting (payload + 2 × key length + 200 per entry) is to it.
 *
 *   npm run measure:memory -- [--entries 1000000] [--policy lru,lfu,w-tinylfu]
 *
 * For each policy, three heap deltas after a full GC, each divided by the entries held:
 *  - policy:  the policy alone (its index, nodes and sketch), with one shared value and keys made beforehand;
 *  - tier:    a memory tier holding every entry (keys, envelopes, records, frozen values, policy);
 *  - values:  the same values alone, to subtract: "beyond the value" is tier − values.
 * Then a run bounded by bytes at half of what all entries account for, which must evict, and the real
 * heap it keeps compared with the bound.
 */
import { parseArgs } from 'node:util'
import { v8Serializer } from '../src/codec/serializer.js'
import type { Entry } from '../src/entry.js'
import { CacheEvents } from '../src/events.js'
import type { EvictionPolicyFactory } from '../src/tiers/eviction-policy.js'
import { type MemoryPolicyName, type MemoryTier, memoryTier } from '../src/tiers/memory.js'
import type { Fill } from '../src/tiers/tier.js'
import { SIMULATED_POLICIES } from './sim/replay.js'

const gc = globalThis.gc
if (gc === undefined) {
  console.error('run with node --expose-gc (npm run measure:memory does)')
  process.exit(2)
}
const { values: args } = parseArgs({
  options: {
    entries: { type: 'string', default: '1000000' },
    policy: { type: 'string', default: 'lru,lfu,w-tinylfu' },
  },
})
const entries = Number(args.entries)
const policies = (args.policy ?? '').split(',') as MemoryPolicyName[]
const now = Date.now()
const keyOf = (i: number) => `product:${i}`
const smallValue = (i: number) => ({ id: i, sku: `SKU-${i}`, price: i % 1000 })

function heapUsed(): number {
  gc?.()
  gc?.()
  return process.memoryUsage().heapUsed
}

function fill(i: number): Fill {
  const value = smallValue(i)
  const entry: Entry = {
    value,
    version: 1,
    createdAt: now,
    freshUntil: now + 3_600_000,
    staleUntil: now + 3_600_000,
    tags: [],
    tombstone: false,
  }
  return { key: keyOf(i), entry, payload: v8Serializer.serialize(value), versioning: 'given', owned: true }
}

function makeTier(policy: MemoryPolicyName, maxEntries: number, maxBytes: number): MemoryTier {
  const context = {
    namespace: 'measure',
    serializer: v8Serializer,
    serializers: new Map([[v8Serializer.id, v8Serializer]]),
    events: new CacheEvents(),
    maxKeyBytes: 1024,
  }
  return memoryTier({ policy, maxEntries, maxBytes }).create(context) as MemoryTier
}

/** Heap bytes per entry of the policy alone. */
function measurePolicy(factory: EvictionPolicyFactory): number {
  const keys = Array.from({ length: entries }, (_, i) => keyOf(i))
  const shared = {}
  const before = heapUsed()
  const policy = factory<object>({
    maxEntries: entries,
    maxBytes: Number.MAX_SAFE_INTEGER,
    onEvict: () => {},
  })
  for (const key of keys) policy.set(key, shared, 1)
  const after = heapUsed()
  if (policy.size !== entries) throw new Error(`policy kept ${policy.size} of ${entries}`)
  return (after - before) / entries
}

/** Fills a tier with every entry; returns the heap it keeps and what it accounts. */
function measureTier(tier: MemoryTier): { heap: number; accounted: number; held: number } {
  const before = heapUsed()
  for (let i = 0; i < entries; i++) tier.write([fill(i)], now)
  const heap = heapUsed() - before
  return { heap, accounted: tier.bytes, held: tier.size }
}

function measureValues(): number {
  const before = heapUsed()
  const kept = Array.from({ length: entries }, (_, i) => Object.freeze(smallValue(i)))
  const heap = heapUsed() - before
  if (kept.length !== entries) throw new Error('unreachable')
  return heap / entries
}

const format = (n: number) => n.toFixed(0).padStart(6)
console.log(`entries: ${entries.toLocaleString('en-US')}, node ${process.version}`)
const valuesPerEntry = measureValues()
console.log(`values alone: ${format(valuesPerEntry)} B/entry`)
for (const name of policies) {
  const factory = SIMULATED_POLICIES[name]
  if (factory === undefined) throw new Error(`unknown policy ${name}`)
  const policyPerEntry = measurePolicy(factory)
  const unbounded = measureTier(makeTier(name, entries, Number.MAX_SAFE_INTEGER))
  const tierPerEntry = unbounded.heap / unbounded.held
  const maxBytes = Math.floor(unbounded.accounted / 2)
  const bounded = measureTier(makeTier(name, entries, maxBytes))
  console.log(
    [
      `${name.padEnd(10)} policy ${format(policyPerEntry)} B/entry`,
      `tier ${format(tierPerEntry)} B/entry (beyond value ${format(tierPerEntry - valuesPerEntry)})`,
      `accounted ${format(unbounded.accounted / unbounded.held)} B/entry`,
      `| bound ${maxBytes.toLocaleString('en-US')} B: held ${bounded.held.toLocaleString('en-US')}`,
      `accounted ${((bounded.accounted / maxBytes) * 100).toFixed(2)} % of bound`,
      `real heap ${((bounded.heap / maxBytes) * 100).toFixed(2)} % of bound`,
    ].join(', '),
  )
}
