import { type Trace, traceFromKeys } from './trace.js'

/** Shape of a synthetic Zipf trace. */
export interface ZipfTraceOptions {
  /** Zipf exponent: key of rank r is drawn with probability proportional to 1 / r^s. */
  readonly s: number
  /** Distinct keys drawn from. Default 100,000. */
  readonly keys?: number
  /** Accesses drawn. Default 300,000. */
  readonly length?: number
  /** Distinct one-time keys read in sequence halfway through (a scan burst); 0 for none. Default 0. */
  readonly scan?: number
  /** PRNG seed; the same options always give the same trace. Default 42. */
  readonly seed?: number
}

/** A deterministic Zipf-distributed trace, optionally with a scan burst of never-repeated keys in the middle. */
export function zipfTrace(options: ZipfTraceOptions): Trace {
  const keyCount = options.keys ?? 100_000
  const length = options.length ?? 300_000
  const scan = options.scan ?? 0
  const random = mulberry32(options.seed ?? 42)
  const cdf = zipfCdf(keyCount, options.s)
  // Ranks are scattered over the key space so that popularity does not follow key order.
  const keyOfRank = shuffledRange(keyCount, random)
  const raw = new Int32Array(length + scan)
  const scanAt = Math.floor(length / 2)
  let out = 0
  for (let i = 0; i < length; i++) {
    if (i === scanAt) for (let j = 0; j < scan; j++) raw[out++] = keyCount + j
    raw[out++] = keyOfRank[sampleRank(cdf, random())] as number
  }
  const name = `zipf-${options.s}${scan > 0 ? '-scan' : ''}`
  return traceFromKeys(name, raw)
}

/** Parses a synthetic trace name such as `zipf:0.99` or `zipf:0.99+scan`; undefined if it is not one. */
export function syntheticTrace(spec: string): Trace | undefined {
  const match = /^zipf:(\d+(?:\.\d+)?)(\+scan)?$/.exec(spec)
  if (match === null) return undefined
  return zipfTrace({ s: Number(match[1]), scan: match[2] === undefined ? 0 : SCAN_BURST })
}

/** Keys in the scan burst of `zipf:S+scan`: a fifth of the key space, read once each. */
export const SCAN_BURST = 20_000

function zipfCdf(keyCount: number, s: number): Float64Array {
  const cdf = new Float64Array(keyCount)
  let sum = 0
  for (let rank = 0; rank < keyCount; rank++) {
    sum += 1 / (rank + 1) ** s
    cdf[rank] = sum
  }
  for (let rank = 0; rank < keyCount; rank++) cdf[rank] = (cdf[rank] as number) / sum
  return cdf
}

/** The first rank whose cumulative probability reaches `u` (binary search). */
function sampleRank(cdf: Float64Array, u: number): number {
  let low = 0
  let high = cdf.length - 1
  while (low < high) {
    const mid = (low + high) >>> 1
    if ((cdf[mid] as number) < u) low = mid + 1
    else high = mid
  }
  return low
}

function shuffledRange(n: number, random: () => number): Int32Array {
  const values = new Int32Array(n)
  for (let i = 0; i < n; i++) values[i] = i
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const swap = values[i] as number
    values[i] = values[j] as number
    values[j] = swap
  }
  return values
}

/** mulberry32: a small, fast, seedable PRNG with uniform output in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
