import { LatencyHistogram } from './histogram.js'

/**
 * How late this process's event loop runs a timer due every `everyMs`: the time a request waits for
 * the CPU before its code can run. Recorded into the demo's own histograms (µs) so that instances can
 * send them to the demo and they can be merged, which node:perf_hooks' histograms cannot.
 */
export class EventLoopDelay {
  /** Since the last {@link takeInterval}. */
  private readonly interval = new LatencyHistogram()
  /** Since the last {@link restart}. */
  readonly total = new LatencyHistogram()
  private readonly timer: NodeJS.Timeout
  private expected: number

  constructor(private readonly everyMs = 10) {
    this.expected = performance.now() + everyMs
    this.timer = setInterval(() => this.tick(), everyMs)
    this.timer.unref()
  }

  private tick(): void {
    const now = performance.now()
    const lateMicros = Math.max(0, now - this.expected) * 1000
    this.interval.record(lateMicros)
    this.total.record(lateMicros)
    this.expected = now + this.everyMs
  }

  /** The p99 delay since the previous call, in µs (0 before any timer ran). */
  takeInterval(): number {
    const p99 = this.interval.count > 0 ? this.interval.percentile(99) : 0
    this.interval.reset()
    return p99
  }

  restart(): void {
    this.total.reset()
  }

  stop(): void {
    clearInterval(this.timer)
  }
}
