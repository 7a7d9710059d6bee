/**
 * What value protection costs in a memory tier: time per fill (set) and per hit (get) with
 * `protection: 'freeze' | 'clone' | 'none'`, for a plain product record and for one holding a Date and
 * a Buffer (which 'freeze' cannot freeze, so it clones those on every read).
 *
 *   npm run measure:protection
 */

import type { ValueProtection } from '../src/entries/types.js'
import { createCache, memoryTier } from '../src/index.js'

const plain = {
  id: 4711,
  sku: 'SKU-004711',
  name: 'Desk lamp with a long name',
  price: 39.9,
  stock: 12,
  tags: ['home', 'light', 'desk'],
  dims: { w: 20, h: 45, d: 20 },
}
const withBinary = { ...plain, updatedAt: new Date(0), thumbnail: Buffer.alloc(64, 1) }

async function perOp(work: (i: number) => Promise<unknown>, count: number): Promise<number> {
  for (let i = 0; i < Math.min(count, 2000); i++) await work(i) // warm up
  const started = performance.now()
  for (let i = 0; i < count; i++) await work(i)
  return ((performance.now() - started) * 1000) / count
}

async function measure(protection: ValueProtection, value: object): Promise<{ fill: number; hit: number }> {
  const cache = createCache({
    namespace: 'protection',
    tiers: [memoryTier({ protection, maxEntries: 1000 })],
  })
  const fill = await perOp((i) => cache.set(`k${i % 1000}`, value), 20_000)
  const hit = await perOp((i) => cache.get(`k${i % 1000}`), 200_000)
  await cache.close()
  return { fill, hit }
}

const rows: string[] = ['| value | protection | fill µs/op | hit µs/op |', '| --- | --- | ---: | ---: |']
for (const [label, value] of [
  ['plain record', plain],
  ['with Date + Buffer', withBinary],
] as const) {
  for (const protection of ['freeze', 'clone', 'none'] as const) {
    const { fill, hit } = await measure(protection, value)
    rows.push(`| ${label} | ${protection} | ${fill.toFixed(2)} | ${hit.toFixed(3)} |`)
  }
}
console.log(rows.join('\n'))
