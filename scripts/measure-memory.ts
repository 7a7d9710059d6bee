/**
 * Measures what the memory tier's entries really cost on the heap, per eviction policy, and how
 * close the tier's byte accounting (src/tiers/memory/memory-accounting.ts) is to it.
 *
 *   npm run measure:memory -- [--entries 1000000] [--policy s3-fifo,clock,lru,lfu,w-tinylfu] [--shape small]
 *
 * Shapes: small ({ id, sku, price }), string (a 40-character string), number (a double), nested (an
 * object with an array of three small objects and a date string).
 *
 * For each policy, three heap deltas after a full GC, each divided by the entries held:
 *  - policy:  the policy alone (its index, nodes and sketch), with one shared value and keys made beforehand;
 *  - tier:    a memory tier holding every entry (keys, envelopes, records, frozen values, policy);
 *  - values:  the same values alone, to subtract: "beyond the value" is tier − values.
 * Then a run bounded by bytes at half (`--bound`) of what all entries account for, which must evict, and the real
 * heap it keeps compared with the bound. Exits 1 when that real heap is more than `--tolerance`
 * (default 5 %) away from the bound.
 */
import { parseArgs } from 'node:util'
import { CacheEvents } from '../src/cache-events.js'
import { systemClock } from '../src/clock.js'
import { v8Serializer } from '../src/codec/serializer.js'
import { type Entry, NO_TAGS } from '../src/entry.js'
import type { EvictionPolicyFactory, PolicyValue } from '../src/tiers/memory/eviction-policy.js'
import { type MemoryPolicyName, type MemoryTier, memoryTier } from '../src/tiers/memory/memory-tier.js'
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
    policy: { type: 'string', default: 's3-fifo,clock,lru,lfu,w-tinylfu' },
    shape: { type: 'string', default: 'small' },
    tolerance: { type: 'string', default: '5' },
    bound: { type: 'string', default: '0.5' },
  },
})
const entries = Number(args.entries)
const policies = (args.policy ?? '').split(',') as MemoryPolicyName[]
const now = Date.now()
const keyOf = (i: number) => `product:${i}`
const SHAPES: Record<string, (i: number) => unknown> = {
  small: (i) => ({ id: i, sku: `SKU-${i}`, price: i % 1000 }),
  string: (i) => `${i}`.padStart(40, 'x'),
  number: (i) => i + 0.5,
  nested: (i) => ({
    id: i,
    updatedAt: new Date(1_700_000_000_000 + i).toISOString(),
    lines: [1, 2, 3].map((n) => ({ sku: `SKU-${i}-${n}`, quantity: n, price: n * 1.25 })),
  }),
}
const shape = args.shape ?? 'small'
const shapeValue = SHAPES[shape]
if (shapeValue === undefined) {
  throw new Error(`unknown shape ${shape}; known: ${Object.keys(SHAPES).join(', ')}`)
}
const makeValue: (i: number) => unknown = shapeValue
const boundShare = Number(args.bound)
const tolerance = Number(args.tolerance) / 100

function heapUsed(): number {
  gc?.()
  gc?.()
  // Typed arrays keep their contents outside the JS heap (arrayBuffers); the LRU, CLOCK and S3-FIFO
  // keep their links and counts there, and S3-FIFO its ghost queue.
  const { heapUsed, arrayBuffers } = process.memoryUsage()
  return heapUsed + arrayBuffers
}

function fill(i: number): Fill {
  const value = makeValue(i)
  const entry: Entry = {
    value,
    version: 1,
    createdAt: now,
    freshUntil: now + 3_600_000,
    staleUntil: now + 3_600_000,
    tags: NO_TAGS,
    tombstone: false,
  }
  // As a load fills it: the value decoded from the bytes every tier stores, owned by the memory tier.
  const payload = v8Serializer.serialize(value)
  return { key: keyOf(i), entry, payload, versioning: 'given', owned: false }
}

function makeTier(policy: MemoryPolicyName, maxEntries: number, maxBytes: number): MemoryTier {
  const context = {
    namespace: 'measure',
    serializer: v8Serializer,
    serializers: new Map([[v8Serializer.id, v8Serializer]]),
    events: new CacheEvents(),
    maxKeyBytes: 1024,
    maxValueBytes: 16 * 1024 * 1024,
    clock: systemClock,
  }
  return memoryTier({ policy, maxEntries, maxBytes }).create(context) as MemoryTier
}

/** Heap bytes per entry of the policy alone (the values, made beforehand, are not counted). */
function measurePolicy(factory: EvictionPolicyFactory): number {
  const keys = Array.from({ length: entries }, (_, i) => keyOf(i))
  const values: PolicyValue[] = keys.map(() => ({ policySlot: 0 }))
  const before = heapUsed()
  const policy = factory<PolicyValue>({
    maxEntries: entries,
    maxBytes: Number.MAX_SAFE_INTEGER,
    onEvict: () => {},
  })
  for (let i = 0; i < entries; i++) policy.set(keys[i] as string, values[i] as PolicyValue, 1)
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
  const kept = Array.from({ length: entries }, (_, i) => Object.freeze(makeValue(i)))
  const heap = heapUsed() - before
  if (kept.length !== entries) throw new Error('unreachable')
  return heap / entries
}

const format = (n: number) => n.toFixed(0).padStart(6)
const percent = (n: number) => `${(n * 100).toFixed(1)} %`
console.log(`entries: ${entries.toLocaleString('en-US')}, shape: ${shape}, node ${process.version}`)
const valuesPerEntry = measureValues()
console.log(`values alone: ${format(valuesPerEntry)} B/entry`)
let worst = 0
for (const name of policies) {
  const factory = SIMULATED_POLICIES[name]
  if (factory === undefined) throw new Error(`unknown policy ${name}`)
  const policyPerEntry = measurePolicy(factory)
  const unbounded = measureTier(makeTier(name, entries, Number.MAX_SAFE_INTEGER))
  const tierPerEntry = unbounded.heap / unbounded.held
  const maxBytes = Math.floor(unbounded.accounted * boundShare)
  const bounded = measureTier(makeTier(name, entries, maxBytes))
  const unboundedRatio = unbounded.heap / unbounded.accounted
  const boundedRatio = bounded.heap / maxBytes
  worst = Math.max(worst, Math.abs(boundedRatio - 1))
  console.log(
    [
      `${name.padEnd(10)} policy ${format(policyPerEntry)} B/entry`,
      `tier ${format(tierPerEntry)} B/entry (beyond value ${format(tierPerEntry - valuesPerEntry)})`,
      `accounted ${format(unbounded.accounted / unbounded.held)} B/entry`,
      `real heap ${percent(unboundedRatio)} of accounted`,
      `| bound ${maxBytes.toLocaleString('en-US')} B: held ${bounded.held.toLocaleString('en-US')}`,
      `accounted ${percent(bounded.accounted / maxBytes)} of bound`,
      `real heap ${percent(boundedRatio)} of bound`,
    ].join(', '),
  )
}
if (worst > tolerance) {
  console.error(`real heap is ${percent(worst)} away from the byte bound; tolerance ${percent(tolerance)}`)
  process.exit(1)
}
