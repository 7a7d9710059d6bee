/** Small formatting helpers for the CLI's tables and messages. */
import { escapeControl } from './terminal-text.js'

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`
  return `${bytes} B`
}

/** Microseconds as µs below 1 ms, else ms with sensible precision. */
export function formatMicros(micros: number | undefined): string {
  if (micros === undefined || !Number.isFinite(micros)) return '-'
  if (micros < 1000) return `${micros < 10 ? micros.toFixed(1) : Math.round(micros)} µs`
  const ms = micros / 1000
  return `${ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : Math.round(ms)} ms`
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'never'
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`
  const seconds = Math.round(ms / 1000)
  if (seconds < 60) return `${seconds} s`
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${seconds % 60}s`
  return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`
}

export function formatPercent(ratio: number): string {
  return Number.isFinite(ratio) ? `${(ratio * 100).toFixed(1)} %` : '-'
}

export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return '-'
  return Math.round(value).toLocaleString('en-US')
}

/**
 * A plain-text table: the first row is the header; numbers-like cells are right-aligned. Cells may
 * come from a server, so their control characters are escaped.
 */
export function renderTable(table: readonly (readonly string[])[]): string {
  const rows = table.map((row) => row.map(escapeControl))
  const widths: number[] = []
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length)
    })
  }
  const numeric = (cell: string) => /^[-\d.,]+( ?(%|µs|ms|s|B|KiB|MiB|\/s|x|×))?$/.test(cell.trim())
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) =>
        numeric(cell) && i > 0 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd()
  const [header, ...body] = rows
  if (!header) return ''
  const rule = widths.map((width) => '─'.repeat(width)).join('  ')
  return [line(header), rule, ...body.map(line)].join('\n')
}
