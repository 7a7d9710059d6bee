/**
 * A one-line progress bar on a terminal (redrawn in place), or a few plain lines when the output is
 * not a terminal (CI logs, tests). Twenty lines of code; no library needed.
 */
export class ProgressBar {
  private lastQuarter = -1

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly label: string,
    private readonly totalMs: number,
  ) {}

  update(elapsedMs: number, detail: string): void {
    const fraction = Math.max(0, Math.min(1, elapsedMs / this.totalMs))
    const seconds = `${(Math.min(elapsedMs, this.totalMs) / 1000).toFixed(1)}/${(this.totalMs / 1000).toFixed(0)} s`
    if (this.stream.isTTY) {
      const width = 24
      const filled = Math.round(fraction * width)
      const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`
      const line = `${this.label} ${bar} ${seconds}  ${detail}`
      this.stream.write(`\r${line.slice(0, (this.stream.columns ?? 120) - 1)}\x1b[K`)
      return
    }
    const quarter = Math.floor(fraction * 4)
    if (quarter > this.lastQuarter) {
      this.lastQuarter = quarter
      this.stream.write(`${this.label} ${Math.round(fraction * 100)} % ${seconds}  ${detail}\n`)
    }
  }

  done(): void {
    if (this.stream.isTTY) this.stream.write('\n')
  }
}
