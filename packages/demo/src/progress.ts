/**
 * The demo's progress: on a terminal one line redrawn in place (cut to the terminal's width when it is
 * known, with "…" where it was cut); elsewhere (CI logs, tests, a pipe) plain lines, one when a stage
 * begins and one at each quarter of the measured phase. No library needed.
 */
/** Without a terminal, how often a line tells that the warm-up goes on. */
const PLAIN_WARMUP_EVERY_MS = 3000

export class ProgressBar {
  private lastLine = { stage: '', quarter: -1 }

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly label: string,
  ) {}

  /** During the warm-up: how long it has run, of at most `limitMs`. */
  warming(elapsedMs: number, limitMs: number, detail: string): void {
    const seconds = `${(elapsedMs / 1000).toFixed(1)} s`
    const text = `warming up ${seconds} (until hit ratios settle, at most ${limitMs / 1000} s)  ${detail}`
    if (this.stream.isTTY) this.redraw(`${this.label} ${text}`)
    else this.plainLine('warm-up', Math.floor(elapsedMs / PLAIN_WARMUP_EVERY_MS), `${this.label} ${text}`)
  }

  /** During the measured phase. */
  measuring(elapsedMs: number, totalMs: number, detail: string): void {
    const fraction = Math.max(0, Math.min(1, elapsedMs / totalMs))
    const seconds = `${(Math.min(elapsedMs, totalMs) / 1000).toFixed(1)}/${(totalMs / 1000).toFixed(0)} s`
    if (this.stream.isTTY) {
      const width = 24
      const filled = Math.round(fraction * width)
      const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`
      this.redraw(`${this.label} measuring ${bar} ${seconds}  ${detail}`)
    } else {
      const quarter = Math.floor(fraction * 4)
      this.plainLine(
        'measuring',
        quarter,
        `${this.label} measuring ${Math.round(fraction * 100)} % ${seconds}  ${detail}`,
      )
    }
  }

  done(detail: string): void {
    if (this.stream.isTTY) {
      this.redraw(`${this.label} ${detail}`)
      this.stream.write('\n')
    } else this.stream.write(`${this.label} ${detail}\n`)
  }

  private redraw(line: string): void {
    this.stream.write(`\r${fitToWidth(line, this.stream.columns)}\x1b[K`)
  }

  private plainLine(stage: string, quarter: number, line: string): void {
    if (stage === this.lastLine.stage && quarter <= this.lastLine.quarter) return
    this.lastLine = { stage, quarter }
    this.stream.write(`${line}\n`)
  }
}

/**
 * The line as it fits a terminal `columns` wide, leaving the last column free so the cursor never
 * wraps; unchanged when the width is unknown.
 */
export function fitToWidth(line: string, columns: number | undefined): string {
  if (!columns || columns < 2) return line
  const room = columns - 1
  const characters = [...line]
  if (characters.length <= room) return line
  return `${characters.slice(0, room - 1).join('')}…`
}
