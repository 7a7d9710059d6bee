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

/**
 * How the requests a reader served were answered: by its memory tier at once (the call returned a
 * settled promise), after a round trip to Redis (a hot or warm hit, a memory hit whose tags were
 * checked, or a load another request had already started), or by a database query of their own.
 */
export interface AnsweredBy {
  readonly memory: number
  readonly redis: number
  readonly database: number
}

/** Figures of one instance, sent every `sampleEveryMs`: counters cumulative since the run started. */
export interface InstanceSample {
  readonly tick: number
  /** Since the instance was told to start (a timer may fire late on a busy machine, so not tick × period). */
  readonly atMs: number
  readonly requests: number
  readonly served: number
  readonly failed: number
  /** Database queries made to serve reads (readers). */
  readonly dbReads: number
  /** Database queries that updated a product (the writer). */
  readonly dbWrites: number
  readonly answeredBy: AnsweredBy
  readonly tiers: readonly { readonly name: string; readonly hits: number; readonly misses: number }[]
  /** CPU time this process used, in microseconds (user + system). */
  readonly cpuMicros: number
  /** Since the previous sample: the event loop's delay p99 (µs) and the requests' latencies. */
  readonly interval: { readonly eventLoopP99: number; readonly requestLatency: HistogramData | undefined }
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
  /** Round-trip latency percentiles measured by the cache (Redis tiers), over the whole run. */
  readonly latency: { count: number; p50: number; p90: number; p99: number; max: number } | undefined
}

/** What an instance reports when its run ends. Histograms cover the measured phase only. */
export interface InstanceResult {
  /** The counters when the measured phase began (after the warm-up) and when the run ended. */
  readonly measureStart: InstanceSample
  readonly final: InstanceSample
  /** How long this instance's measured phase lasted. */
  readonly measuredMs: number
  readonly tiers: readonly TierFigures[]
  readonly loads: number
  /** Every served request, end to end. */
  readonly requestLatency: HistogramData
  /** Requests answered by the memory tier (the call returned an already settled promise). */
  readonly memoryLatency: HistogramData
  /** Database queries (loader calls, or every read without the cache). */
  readonly databaseLatency: HistogramData
  /** How late this process's event loop ran its timers. */
  readonly eventLoopDelay: HistogramData
  readonly writes: readonly WriteLogEntry[]
  readonly readsLogged: number
}

export type InstanceMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'sample'; readonly sample: InstanceSample }
  | { readonly type: 'done'; readonly result: InstanceResult }
  | { readonly type: 'failed'; readonly message: string }

/**
 * 'start' begins the warm-up; 'measure' ends it: the instance lets its requests in flight finish,
 * notes its counters, starts fresh histograms, measures for `durationMs` of its own time (so a slow
 * hand-over does not shorten it), then reports 'done'.
 */
export type ControlMessage =
  | { readonly type: 'start' }
  | { readonly type: 'measure'; readonly durationMs: number }
  | { readonly type: 'stop' }

export const SETTINGS_ENV = 'TIERCACHE_DEMO_INSTANCE'
