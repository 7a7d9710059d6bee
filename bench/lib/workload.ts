import type { Layout, SubjectFactory } from '../libraries/common.js'
import type { RunShape } from './measure.js'

/**
 * A goal stated on medians: tiercache's ops/s divided by another row's (or by the best peer's) must be
 * at least `atLeast`. With `metric: 'redis-cpu'` the ratio is the other row's Redis CPU µs/op over
 * tiercache's (so `atLeast: 1` reads "tiercache's Redis CPU per operation is at most the other's").
 */
export interface Target {
  /** A row name, or `'best-peer'` for the fastest row of kind `peer`. */
  readonly against: string
  readonly atLeast: number
  /** What is compared (default `ops/s`). */
  readonly metric?: 'ops/s' | 'redis-cpu'
}

/**
 * One benchmark scenario. Add a file under bench/workloads/ exporting one of these and list it in
 * bench/workloads/index.ts; the runner, report and CLI pick it up.
 */
export interface Workload {
  /** CLI name, e.g. `l1-hit`. */
  readonly name: string
  readonly title: string
  /** What is measured and how every library is set up (markdown, a few sentences). */
  readonly description: string
  readonly shape: RunShape
  /** Number of keys in the dataset. */
  readonly keyCount: number
  readonly targets: readonly Target[]
  /** The cache layout every library is set up with. */
  readonly layout: Layout
  /** Prefix of this workload's keys in Redis (each library adds its own name). */
  readonly scope: string
  /**
   * The rows, in table order. Each is created with its cache already holding every key where the
   * layout puts it (pre-populated through the library's own API, so each stores its own format).
   */
  readonly libraries: readonly SubjectFactory[]
  /** True when Redis commands are expected while measuring (else any is reported as a problem). */
  readonly usesRedis: boolean
  /** True when loader calls are part of the workload (misses); else any is reported as a problem. */
  readonly expectsLoads?: boolean
  /** Every operation asks for a key never asked before (`<key>#<n>`): a miss in every tier. */
  readonly freshKeys?: boolean
  /**
   * Measure from empty caches: before every measured run, the row's library is closed and created
   * again (fresh memory tiers) and Redis is flushed, so the run starts with the first request to an
   * empty cache. Warm-up still runs first, so the code is optimized as in a running process.
   */
  readonly coldStart?: boolean
  /**
   * Warm up by walking the whole key order once (each caller its own share) before the timed warm-up,
   * so that every key a measured run asks for has been loaded by every library. Measured runs restart
   * at the callers' first positions; without this walk a library covers only as much of the order as
   * its timed warm-up reached, and one that is slower there meets more first-time keys (loads) in the
   * measured runs than a faster one: not the same workload. Default false.
   */
  readonly warmUpWholeOrder?: boolean
  /** Fill every key through each library before measuring. Default true. */
  readonly populate?: boolean
  /** How keys are drawn: uniformly (default) or Zipf-distributed with exponent `s`. */
  readonly distribution?: { readonly zipf: number }
  /** Length of the key order callers walk (a power of two; default 65,536); at least keyCount for scale runs. */
  readonly orderLength?: number
  /** Memory-tier size for every library (default 10,000 entries). */
  readonly memoryEntries?: number
  /**
   * Every library reaches Redis through a link that delays each chunk by this many ms each way (see
   * link.ts): Redis on another host rather than on loopback. Default none.
   */
  readonly linkDelayMs?: number
}
