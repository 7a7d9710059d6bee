/** How far a warm-up has got. */
export interface WarmProgress {
  /** Keys handled so far. */
  readonly processed: number
  /** Keys some tier already had (copied into the faster tiers). */
  readonly cached: number
  /** Keys the loader produced. */
  readonly loaded: number
  /** Keys whose batch load failed (the warm-up goes on). */
  readonly failed: number
  readonly done: boolean
}
