/**
 * Where the LRU→OPT gap goes, for one trace and size: what W-TinyLFU reaches with each fixed window,
 * what an LRU reaches that is told which accesses are a key's last (and so never caches them), and
 * which accesses OPT hits that LRU and W-TinyLFU miss, by how often their key was read before.
 *
 *   npm run sim:gap -- --trace web12.trace.xz --size 1000
 */
import { parseArgs } from 'node:util'
import type { EvictionPolicyFactory, PolicyValue } from '../../src/tiers/memory/eviction-policy.js'
import { lruPolicy } from '../../src/tiers/memory/policies/lru.js'
import { createWTinyLfuPolicy, wTinyLfuPolicy } from '../../src/tiers/memory/policies/w-tinylfu.js'
import { optimalHitMap } from './optimal.js'
import { syntheticTrace } from './synthetic.js'
import { readTraceFile, type Trace } from './trace.js'

const { values } = parseArgs({
  options: { trace: { type: 'string' }, size: { type: 'string', default: '1000' } },
})
if (values.trace === undefined) {
  console.error('usage: npm run sim:gap -- --trace FILE|zipf:S[+scan] [--size N]')
  process.exit(2)
}
const size = Number(values.size)
const trace = syntheticTrace(values.trace) ?? readTraceFile(values.trace)
const n = trace.ids.length

const opt = optimalHitMap(trace, size)
const lru = hitMap(trace, lruPolicy, size)
const wTinyLfu = hitMap(trace, wTinyLfuPolicy, size)
const optRatio = count(opt) / n
const lruRatio = count(lru) / n
const closed = (ratio: number) => `${((100 * (ratio - lruRatio)) / (optRatio - lruRatio)).toFixed(0)} %`
const line = (label: string, ratio: number) =>
  console.log(`${label.padEnd(44)} ${(100 * ratio).toFixed(2).padStart(6)} %  ${closed(ratio).padStart(6)}`)

console.log(`${trace.name}, ${n.toLocaleString('en-US')} accesses, ${size.toLocaleString('en-US')} entries`)
console.log(`${''.padEnd(44)} hit ratio  gap closed`)
line('lru', lruRatio)
line('opt', optRatio)
line('w-tinylfu (adaptive window)', count(wTinyLfu) / n)
for (const share of [0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.6, 0.8]) {
  const policy = createWTinyLfuPolicy({ windowShare: share, adaptation: 'none' })
  line(`w-tinylfu, fixed ${share * 100} % window`, count(hitMap(trace, policy, size)) / n)
}
line("lru that never caches a key's last access", lruSkippingLastAccesses(trace, size) / n)

console.log('\nhits opt has and the policy misses (% of accesses), by reads of the key before:')
console.log(`${'read before'.padEnd(14)} ${'opt − lru'.padStart(10)} ${'opt − w-tinylfu'.padStart(16)}`)
const classes = ['once', '2–3 times', '4–7 times', '8+ times']
const missedByLru = new Float64Array(classes.length)
const missedByWTinyLfu = new Float64Array(classes.length)
const seen = new Uint32Array(trace.keys.length)
for (let i = 0; i < n; i++) {
  const id = trace.ids[i] as number
  const before = seen[id] as number
  seen[id] = before + 1
  if (before === 0) continue
  const c = before === 1 ? 0 : before < 4 ? 1 : before < 8 ? 2 : 3
  missedByLru[c] = (missedByLru[c] as number) + ((opt[i] as number) - (lru[i] as number))
  missedByWTinyLfu[c] = (missedByWTinyLfu[c] as number) + ((opt[i] as number) - (wTinyLfu[i] as number))
}
classes.forEach((label, c) => {
  const pct = (hits: number) => `${((100 * hits) / n).toFixed(2)} %`.padStart(8)
  console.log(
    `${label.padEnd(14)} ${pct(missedByLru[c] as number).padStart(10)} ${pct(missedByWTinyLfu[c] as number).padStart(16)}`,
  )
})

/** 1 for each access the policy hits, replayed read-through as the simulator does. */
function hitMap(trace: Trace, factory: EvictionPolicyFactory, capacity: number): Uint8Array {
  const policy = factory<PolicyValue>({
    maxEntries: capacity,
    maxBytes: Number.MAX_SAFE_INTEGER,
    onEvict: () => {},
  })
  const hits = new Uint8Array(trace.ids.length)
  for (let i = 0; i < trace.ids.length; i++) {
    const key = trace.keys[trace.ids[i] as number] as string
    if (policy.get(key) === undefined) policy.set(key, { policySlot: 0 }, 1)
    else hits[i] = 1
  }
  return hits
}

/** An LRU told the future in one respect: a key read for the last time is dropped, not kept. */
function lruSkippingLastAccesses(trace: Trace, capacity: number): number {
  const last = new Int32Array(trace.keys.length)
  for (let i = 0; i < trace.ids.length; i++) last[trace.ids[i] as number] = i
  const cached = new Set<number>()
  let hits = 0
  for (let i = 0; i < trace.ids.length; i++) {
    const id = trace.ids[i] as number
    const hit = cached.delete(id)
    if (hit) hits++
    if (last[id] === i) continue
    cached.add(id)
    if (cached.size > capacity) cached.delete(cached.values().next().value as number)
  }
  return hits
}

function count(hits: Uint8Array): number {
  let total = 0
  for (const hit of hits) total += hit
  return total
}
