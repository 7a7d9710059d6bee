/**
 * A 4-bit count-min sketch: the popularity estimate that W-TinyLFU admits by. Each key maps to one
 * counter in each of four rows, a counter saturates at 15, and after `sampleSize` increments every
 * counter is halved, so popularity ages and the estimate follows a changing workload. Sixteen
 * counters (8 bytes) per expected entry, as in Caffeine, and like Caffeine's the four counters of a
 * key lie in one 64-byte block (four words per row), so an estimate touches one CPU cache line.
 */
export class FrequencySketch {
  /** Increments between two halvings: ten times the capacity the sketch was sized for. */
  sampleSize = 0
  /** Entries the table was sized for. */
  capacity = 0
  private table = new Uint32Array(0)
  private blockShift = 32
  private additions = 0

  constructor(expectedEntries: number) {
    this.ensureCapacity(expectedEntries)
  }

  /**
   * Resizes the table for `expectedEntries` (rounded up to a power of two, at least 16, at most
   * 2^24) when that is more than it has. Resizing forgets all counts; a policy grows the sketch as it fills.
   */
  ensureCapacity(expectedEntries: number): void {
    const wanted = nextPowerOfTwo(Math.min(Math.max(expectedEntries, 16), MAX_CAPACITY))
    if (wanted <= this.capacity) return
    this.capacity = wanted
    this.sampleSize = 10 * wanted
    // Two 32-bit words (sixteen 4-bit counters) per entry, in blocks of 16 words.
    this.table = new Uint32Array(2 * wanted)
    this.blockShift = 32 - Math.log2((2 * wanted) / WORDS_PER_BLOCK)
    this.additions = 0
  }

  /** The estimated number of recent increments of the key with this hash (0..15). */
  frequency(hash: number): number {
    const block = this.blockOf(hash)
    const spread = rehash(hash)
    return Math.min(
      this.counter(block, spread, 0),
      this.counter(block, spread, 1),
      this.counter(block, spread, 2),
      this.counter(block, spread, 3),
    )
  }

  /** Counts one access to the key with this hash, halving every counter once the sample is full. */
  increment(hash: number): void {
    const block = this.blockOf(hash)
    const spread = rehash(hash)
    let added = this.incrementCounter(block, spread, 0)
    added = this.incrementCounter(block, spread, 1) || added
    added = this.incrementCounter(block, spread, 2) || added
    added = this.incrementCounter(block, spread, 3) || added
    if (added && ++this.additions >= this.sampleSize) this.halve()
  }

  clear(): void {
    this.table.fill(0)
    this.additions = 0
  }

  /** First word of the key's 64-byte block (the high bits of a multiplicative hash are well mixed). */
  private blockOf(hash: number): number {
    return (Math.imul(hash, 0x9e3779b1) >>> this.blockShift) * WORDS_PER_BLOCK
  }

  /** The row's counter: one of the row's four words (2 bits of `spread`), one of its eight nibbles (3 bits). */
  private counter(block: number, spread: number, row: number): number {
    const bits = spread >>> (row << 3)
    const word = this.table[block + (row << 2) + (bits & 3)] as number
    return (word >>> (((bits >>> 2) & 7) << 2)) & MAX_COUNT
  }

  private incrementCounter(block: number, spread: number, row: number): boolean {
    const bits = spread >>> (row << 3)
    const index = block + (row << 2) + (bits & 3)
    const shift = ((bits >>> 2) & 7) << 2
    const word = this.table[index] as number
    if (((word >>> shift) & MAX_COUNT) === MAX_COUNT) return false
    this.table[index] = word + (1 << shift)
    return true
  }

  /** Ages the history: every counter is halved, and so is the number of additions it accounts for. */
  private halve(): void {
    const table = this.table
    let oddCounters = 0
    for (let i = 0; i < table.length; i++) {
      const word = table[i] as number
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

const MAX_COUNT = 15
const MAX_CAPACITY = 1 << 24
const WORDS_PER_BLOCK = 16

/** A second, independent mix of the key hash: picks the counters inside the block. */
function rehash(hash: number): number {
  const mixed = Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d)
  return (mixed ^ (mixed >>> 12)) >>> 0
}

function nextPowerOfTwo(n: number): number {
  return 2 ** Math.ceil(Math.log2(n))
}

function bitCount(word: number): number {
  let v = word - ((word >>> 1) & 0x55555555)
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333)
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff
}
