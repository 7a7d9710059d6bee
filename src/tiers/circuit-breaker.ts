import type { Clock } from '../clock.js'
import type { BreakerState } from '../types/tier-state.js'
/** Circuit-breaker settings of a Redis tier (`redisTier({ breaker })`). */
export interface BreakerOptions {
  /** Failures (timeouts or connection errors) within `windowMs` that open the breaker. Default 3. */
  failureThreshold?: number
  /** The window failures are counted in. Default 10 s. */
  windowMs?: number
  /** How long an open breaker skips the tier before letting one probe through. Default 500 ms. */
  openMs?: number
}

/**
 * Skips a tier that keeps failing, so a stalled server costs callers nothing once noticed:
 * closed (normal) → open after `failureThreshold` failures within `windowMs` (every operation is
 * skipped) → half-open after `openMs`: a background probe (PING) is sent while callers are still
 * skipped, so no caller ever waits on a probe → closed if it answers, open again if not. Only the
 * absence of an answer counts as a failure (timeouts, connection errors); a server that answers with
 * an error (OOM, WRONGTYPE…) is up.
 *
 * Written by hand: the npm breakers (opossum…) wrap one function each, allocate per call and probe
 * with a real request; this one is a few counters checked on every Redis operation.
 */
export class CircuitBreaker {
  private stateValue: BreakerState = 'closed'
  private failures: number[] = []
  private timer: NodeJS.Timeout | undefined
  private disposed = false
  private readonly threshold: number
  private readonly windowMs: number
  private readonly openMs: number

  constructor(
    options: BreakerOptions,
    private readonly probe: () => Promise<boolean>,
    private readonly onChange: (state: BreakerState) => void,
    private readonly clock: Clock,
  ) {
    this.threshold = options.failureThreshold ?? 3
    this.windowMs = options.windowMs ?? 10_000
    this.openMs = options.openMs ?? 500
  }

  get state(): BreakerState {
    return this.stateValue
  }

  /** Whether an operation may go to the tier now. */
  allow(): boolean {
    return this.stateValue === 'closed'
  }

  success(): void {
    if (this.stateValue === 'closed') this.failures.length = 0
  }

  failure(): void {
    if (this.disposed) return
    if (this.stateValue !== 'closed') return
    const now = this.clock.now()
    this.failures = this.failures.filter((at) => now - at < this.windowMs)
    this.failures.push(now)
    if (this.failures.length >= this.threshold) this.open()
  }

  private startProbe(): void {
    this.timer = undefined
    if (this.disposed) return
    this.transition('half-open')
    this.probe().then(
      (answered) => (answered ? this.close() : this.open()),
      () => this.open(),
    )
  }

  /** Stops probing (the tier is closing). */
  dispose(): void {
    this.disposed = true
    clearTimeout(this.timer)
  }

  private close(): void {
    this.failures = []
    this.transition('closed')
  }

  private open(): void {
    this.transition('open')
    // Probed on a timer, not by traffic: a tier comes back even when nobody is asking for it.
    clearTimeout(this.timer)
    this.timer = setTimeout(() => this.startProbe(), this.openMs)
    this.timer.unref()
  }

  private transition(state: BreakerState): void {
    if (state === this.stateValue) return
    this.stateValue = state
    this.onChange(state)
  }
}

/** True for errors that mean "the server answered no" rather than "the server did not answer". */
export function isReplyError(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  const name = error.constructor?.name ?? error.name
  // A server still loading its dataset, or busy running a script, answers but cannot serve: a failure.
  if (/^(LOADING|BUSY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN)\b/.test(error.message)) return false
  return (
    name === 'ErrorReply' ||
    name === 'ReplyError' ||
    /^(ERR|OOM|WRONGTYPE|NOSCRIPT|READONLY|NOPERM|EXECABORT|MOVED|ASK|CROSSSLOT|NOREPLICAS|MISCONF)\b/.test(
      error.message,
    )
  )
}
