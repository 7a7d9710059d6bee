/**
 * The data every workload reads: `count` keys with small product-like records (about 200 bytes of
 * JSON). Values are plain JSON (no Date, Map, ...) so that every library, whatever its serializer,
 * returns exactly what the loader produced.
 */
export interface Product {
  readonly id: number
  readonly sku: string
  readonly name: string
  readonly price: number
  readonly stock: number
  readonly tags: readonly string[]
  readonly updatedAt: string
}

export interface Dataset {
  readonly keys: readonly string[]
  /** What the "database" returns for a key; counts calls so a hit benchmark can prove it never loaded. */
  load(key: string): Product
  readonly loads: number
  /**
   * Key indices in a fixed pseudo-random order (same for every library and every run), so that
   * callers do not spend time drawing random numbers inside the measured loop.
   */
  readonly order: Uint32Array
}

export function productFor(id: number): Product {
  return {
    id,
    sku: `SKU-${String(id).padStart(6, '0')}`,
    name: `Product number ${id}`,
    price: Math.round((id * 7.3) % 500) + 0.99,
    stock: (id * 13) % 97,
    tags: ['catalog', id % 2 === 0 ? 'even' : 'odd', `shelf-${id % 10}`],
    updatedAt: new Date(Date.UTC(2025, 0, 1) + id * 60_000).toISOString(),
  }
}

export function createDataset(count: number, orderLength = 1 << 16, zipf?: number): Dataset {
  // The caller loop wraps around the order with a bit mask.
  if (orderLength & (orderLength - 1)) throw new Error('orderLength must be a power of two')
  const keys = Array.from({ length: count }, (_, i) => `product:${i}`)
  const ids = new Map(keys.map((key, i) => [key, i]))
  const order = new Uint32Array(orderLength)
  // A small deterministic generator (mulberry32), so every run reads the same sequence.
  let seed = 0x9e3779b9
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return (t ^ (t >>> 14)) >>> 0
  }
  const draw =
    zipf === undefined ? () => random() % count : zipfSampler(count, zipf, () => random() / 4294967296)
  for (let i = 0; i < orderLength; i++) order[i] = draw()
  const dataset = {
    keys,
    order,
    loads: 0,
    load(key: string): Product {
      dataset.loads++
      // Fresh-key workloads ask for `<key>#<n>`: the record is the base key's.
      const hash = key.indexOf('#')
      const id = ids.get(hash < 0 ? key : key.slice(0, hash))
      if (id === undefined) throw new Error(`no product for key ${key}`)
      return productFor(id)
    },
  }
  return dataset
}

/** Draws ranks 0..count-1 with probability ∝ 1 / (rank + 1)^s (inverse CDF over a precomputed table). */
function zipfSampler(count: number, s: number, uniform: () => number): () => number {
  const cdf = new Float64Array(count)
  let total = 0
  for (let rank = 0; rank < count; rank++) {
    total += 1 / (rank + 1) ** s
    cdf[rank] = total
  }
  return () => {
    const target = uniform() * total
    let low = 0
    let high = count - 1
    while (low < high) {
      const middle = (low + high) >> 1
      if ((cdf[middle] as number) < target) low = middle + 1
      else high = middle
    }
    return low
  }
}
