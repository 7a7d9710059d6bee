import type { HistogramData } from './histogram.js'

/** The settings an application instance (a child process) gets in its environment, as JSON. */
export interface InstanceSettings {
  readonly role: 'reader' | 'writer'
  readonly index: number
  /** 'cache': memory → hot → warm → database; 'direct': every read to the database. */
  readonly mode: 'cache' | 'direct'
  readonly databaseUrl: string
  readonly table: string
  readonly hotUrl: string
  readonly warmUrl: string
  readonly namespace: string
  readonly products: number
  readonly popular: number
  readonly skew: number
  readonly categories: number
  readonly listingShare: number
  /** Requests per second this instance offers (readers) or updates per second (the writer). */
  readonly rate: number
  /** Concurrent shoppers of a reader; each waits for its page before asking for the next. */
  readonly users: number
  readonly poolSize: number
  readonly sampleEveryMs: number
  /** Where a reader logs every product version it returned (cache mode). */
  readonly readLog: string | undefined
  readonly seed: number
}

/** Cumulative figures of one instance, sent every `sampleEveryMs`. */
export interface InstanceSample {
  readonly tick: number
  readonly requests: number
  readonly served: number
  readonly failed: number
  readonly dbQueries: number
  readonly writes: number
  readonly tiers: readonly { readonly name: string; readonly hits: number; readonly misses: number }[]
}

/** A product update, as the stale read check needs it. */
export interface WriteLogEntry {
  readonly id: number
  readonly version: number
  readonly acknowledgedAt: number
}

export interface TierFigures {
  readonly name: string
  readonly hits: number
  readonly misses: number
  readonly errors: number
  /** Round-trip latency percentiles measured by the cache (Redis tiers). */
  readonly latency: { count: number; p50: number; p90: number; p99: number; max: number } | undefined
}

/** What an instance reports when its run ends. */
export interface InstanceResult {
  readonly final: InstanceSample
  readonly tiers: readonly TierFigures[]
  readonly loads: number
  /** Every served request, end to end. */
  readonly requestLatency: HistogramData
  /** Requests answered by the memory tier (the call returned an already settled promise). */
  readonly memoryLatency: HistogramData
  /** Database queries (loader calls, or every read without the cache). */
  readonly databaseLatency: HistogramData
  readonly writes: readonly WriteLogEntry[]
  readonly readsLogged: number
}

export type InstanceMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'sample'; readonly sample: InstanceSample }
  | { readonly type: 'done'; readonly result: InstanceResult }
  | { readonly type: 'failed'; readonly message: string }

export type ControlMessage =
  | { readonly type: 'start'; readonly durationMs: number }
  | { readonly type: 'stop' }

export const SETTINGS_ENV = 'TIERCACHE_DEMO_INSTANCE'
