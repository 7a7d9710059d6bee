/**
 * A 4-bit count-min sketch: the popularity estimate that W-TinyLFU admits by. Each key maps to
 * one counter in each of four rows (multiplicative hashing of one 32-bit key hash), a counter
 * saturates at 15, and after `sampleSize` increments every counter is halved, so popularity
 * ages and the estimate follows a changing workload. Sixteen counters (8 bytes) per expected entry,
 * as in Caffeine.
 */
export class FrequencySketch {
  /** Increments between two halvings: ten times the capacity the sketch was sized for. */
  sampleSize = 0
  /** Entries the table was sized for. */
  capacity = 0
  private table = new Uint32Array(0)
  private shift = 32
  private additions = 0

  constructor(expectedEntries: number) {
    this.ensureCapacity(expectedEntries)
  }

  /**
   * Resizes the table for `expectedEntries` (rounded up to a power of two, at most 2^24) when that
   * is more than it has. Resizing forgets all counts; a policy grows the sketch as it fills.
   */
  ensureCapacity(expectedEntries: number): void {
    const wanted = nextPowerOfTwo(Math.min(Math.max(expectedEntries, 16), MAX_CAPACITY))
    if (wanted <= this.capacity) return
    this.capacity = wanted
    this.sampleSize = 10 * wanted
    // Two 32-bit words (sixteen 4-bit counters) per entry.
    this.table = new Uint32Array(2 * wanted)
    this.shift = 32 - Math.log2(16 * wanted)
    this.additions = 0
  }

  /** The estimated number of recent increments of the key with this hash (0..15). */
  frequency(hash: number): number {
    let min = MAX_COUNT
    for (let row = 0; row < ROWS; row++) {
      const count = this.counterAt(this.indexOf(hash, row))
      if (count < min) min = count
    }
    return min
  }

  /** Counts one access to the key with this hash, halving every counter once the sample is full. */
  increment(hash: number): void {
    let added = false
    for (let row = 0; row < ROWS; row++) {
      const index = this.indexOf(hash, row)
      if (this.counterAt(index) < MAX_COUNT) {
        this.table[index >>> 3] = (this.table[index >>> 3] ?? 0) + (1 << ((index & 7) << 2))
        added = true
      }
    }
    if (added && ++this.additions >= this.sampleSize) this.halve()
  }

  clear(): void {
    this.table.fill(0)
    this.additions = 0
  }

  private indexOf(hash: number, row: number): number {
    // The high bits of a multiplicative hash are well mixed; each row has its own odd multiplier.
    return Math.imul(hash, ROW_MULTIPLIERS[row] ?? 1) >>> this.shift
  }

  private counterAt(index: number): number {
    return ((this.table[index >>> 3] ?? 0) >>> ((index & 7) << 2)) & MAX_COUNT
  }

  /** Ages the history: every counter is halved, and so is the number of additions it accounts for. */
  private halve(): void {
    const table = this.table
    let oddCounters = 0
    for (let i = 0; i < table.length; i++) {
      const word = table[i] ?? 0
      oddCounters += bitCount(word & 0x11111111)
      table[i] = (word >>> 1) & 0x77777777
    }
    // Each key has four counters; truncating odd ones loses about a quarter increment per odd counter.
    this.additions = (this.additions - (oddCounters >>> 2)) >>> 1
  }
}

/**
 * A well-mixed 32-bit hash of a string key: FNV-1a over its UTF-16 code units, then the MurmurHash3
 * finalizer so that every output bit depends on every input bit.
 */
export function hashKey(key: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193)
  }
  hash ^= hash >>> 16
  hash = Math.imul(hash, 0x85ebca6b)
  hash ^= hash >>> 13
  hash = Math.imul(hash, 0xc2b2ae35)
  return (hash ^ (hash >>> 16)) >>> 0
}

const ROWS = 4
const MAX_COUNT = 15
const MAX_CAPACITY = 1 << 24
const ROW_MULTIPLIERS = [0x9e3779b1, 0x85ebca77, 0xc2b2ae3d, 0x27d4eb2f] as const

function nextPowerOfTwo(n: number): number {
  return 2 ** Math.ceil(Math.log2(n))
}

function bitCount(word: number): number {
  let v = word - ((word >>> 1) & 0x55555555)
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333)
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff
}
