/**
 * A quick per-operation cost measurement of the eviction policies, without the tier around them.
 *
 *   npm run measure:ops -- [--capacity 100000] [--policy lru,lfu,w-tinylfu]
 *
 * Per policy: `get` hits on a full cache, `set` of new keys into a full cache (every one evicts or is
 * refused), and a read-through replay of a Zipf(0.99) trace (get, and set on a miss). Best of 5 runs.
 *
 * Then the O(1) check by the clock: the same read-through workload in a cache of 1,000 and one of
 * 100,000 entries, interleaved, best of 5 each. Work that grew with the size would make the large
 * cache ~100 times slower per operation; CPU cache misses alone make it a few times slower. Exits
 * with status 1 when a policy is more than MAX_SLOWDOWN times slower in the large cache. (The unit
 * tests check O(1) by counting steps, which a busy machine cannot disturb.)
 */
import { parseArgs } from 'node:util'
import type { EvictionPolicy, PolicyValue } from '../src/tiers/memory/eviction-policy.js'
import { SIMULATED_POLICIES } from './sim/replay.js'
import { zipfTrace } from './sim/synthetic.js'

const { values: args } = parseArgs({
  options: {
    capacity: { type: 'string', default: '100000' },
    policy: { type: 'string', default: 'lru,lfu,w-tinylfu' },
  },
})
const capacity = Number(args.capacity)
const operations = 1_000_000
const residentKeys = Array.from({ length: capacity }, (_, i) => `key:${i}`)
const freshKeys = Array.from({ length: operations }, (_, i) => `new:${i}`)
const trace = zipfTrace({ s: 0.99, keys: capacity * 10, length: operations })
const traceKeys = Array.from(trace.ids, (id) => trace.keys[id] as string)

function filled(name: string): EvictionPolicy<PolicyValue> {
  const factory = SIMULATED_POLICIES[name]
  if (factory === undefined) throw new Error(`unknown policy ${name}`)
  const policy = factory<PolicyValue>({
    maxEntries: capacity,
    maxBytes: Number.MAX_SAFE_INTEGER,
    onEvict: () => {},
  })
  for (const key of residentKeys) policy.set(key, { policySlot: 0 }, 1)
  return policy
}

/** Millions of operations per second, best of five runs of `run` on a fresh full policy. */
function best(name: string, run: (policy: EvictionPolicy<PolicyValue>) => void): number {
  let fastest = Number.POSITIVE_INFINITY
  for (let round = 0; round < 5; round++) {
    const policy = filled(name)
    const started = process.hrtime.bigint()
    run(policy)
    fastest = Math.min(fastest, Number(process.hrtime.bigint() - started))
  }
  return operations / (fastest / 1e9) / 1e6
}

const getHits = (policy: EvictionPolicy<PolicyValue>) => {
  for (let i = 0; i < operations; i++) policy.get(residentKeys[i % capacity] as string)
}
const setNew = (policy: EvictionPolicy<PolicyValue>) => {
  for (let i = 0; i < operations; i++) policy.set(freshKeys[i] as string, { policySlot: 0 }, 1)
}
const readThrough = (policy: EvictionPolicy<PolicyValue>) => {
  for (let i = 0; i < operations; i++) {
    const key = traceKeys[i] as string
    if (policy.get(key) === undefined) policy.set(key, { policySlot: 0 }, 1)
  }
}

console.log(
  `capacity ${capacity.toLocaleString('en-US')}, ${operations.toLocaleString('en-US')} operations, node ${process.version}`,
)
console.log('policy       get hit (Mops/s)  set new (Mops/s)  read-through zipf 0.99 (Mops/s)')
for (const name of (args.policy ?? '').split(',')) {
  const cells = [best(name, getHits), best(name, setNew), best(name, readThrough)].map((n) =>
    n.toFixed(2).padStart(16),
  )
  console.log(`${name.padEnd(12)} ${cells.join('  ')}`)
}

/** Largest accepted slowdown per operation from 1,000 to 100,000 entries. */
const MAX_SLOWDOWN = 15

/** Nanoseconds per operation of a read-through workload: every fifth read a hit, the rest new keys. */
function perOperation(name: string, size: number): number {
  const factory = SIMULATED_POLICIES[name]
  if (factory === undefined) throw new Error(`unknown policy ${name}`)
  const policy = factory<PolicyValue>({
    maxEntries: size,
    maxBytes: Number.MAX_SAFE_INTEGER,
    onEvict: () => {},
  })
  const warmKeys = Array.from({ length: size }, (_, i) => `warm:${i}`)
  for (const key of warmKeys) policy.set(key, { policySlot: 0 }, 1)
  const count = 100_000
  const started = process.hrtime.bigint()
  for (let i = 0; i < count; i++) {
    const key = i % 5 === 0 ? (warmKeys[i % 100] as string) : (freshKeys[i] as string)
    if (policy.get(key) === undefined) policy.set(key, { policySlot: 0 }, 1)
  }
  return Number(process.hrtime.bigint() - started) / count
}

console.log('')
console.log('policy       ns/op at 1,000  ns/op at 100,000  slowdown')
let failed = false
for (const name of (args.policy ?? '').split(',')) {
  perOperation(name, 1000) // warm up the JIT
  let small = Number.POSITIVE_INFINITY
  let large = Number.POSITIVE_INFINITY
  for (let round = 0; round < 5; round++) {
    small = Math.min(small, perOperation(name, 1000))
    large = Math.min(large, perOperation(name, 100_000))
  }
  const slowdown = large / small
  if (slowdown > MAX_SLOWDOWN) failed = true
  console.log(
    `${name.padEnd(12)} ${small.toFixed(0).padStart(14)}  ${large.toFixed(0).padStart(16)}  ${slowdown.toFixed(1).padStart(8)}${slowdown > MAX_SLOWDOWN ? `  over ${MAX_SLOWDOWN}` : ''}`,
  )
}
if (failed) process.exitCode = 1
