/** One row of a workload: a library (or a raw client) configured for that workload, ready to be measured. */
export interface Subject {
  /** Row label, e.g. `tiercache` or `node-redis GET (raw)`. */
  readonly name: string
  /** tiercache itself, a peer library it is compared with, or a baseline that is not a cache at all. */
  readonly kind: 'tiercache' | 'peer' | 'baseline'
  /** Installed version of the package measured. */
  readonly version: string
  /** How it is configured, in one line, for the report. */
  readonly config: string
  /** The operation measured. Must resolve with the value of `key`. */
  readonly op: (key: string) => Promise<unknown>
  /** Releases connections and timers. */
  close(): Promise<void>
  /** Called once, just before the measured runs start (e.g. to snapshot counters). */
  mark?(): void
  /** A note for the report about what happened since `mark()` (e.g. hit ratio per tier). */
  details?(): string
}
