/**
 * Inline SVG charts for the demo report, generated here so the report needs no script and no network.
 */

export interface Series {
  readonly name: string
  readonly color: string
  readonly points: readonly (readonly [number, number])[]
  readonly dashed?: boolean
}

const WIDTH = 720
const HEIGHT = 300
const MARGIN = { top: 36, right: 150, bottom: 44, left: 70 }

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** "Nice" tick values covering [0, max]. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1]
  const raw = max / count
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude
  const ticks: number[] = []
  for (let value = 0; value <= max + step * 0.999; value += step) ticks.push(Number(value.toPrecision(12)))
  return ticks
}

/** A line chart of several series over a shared x axis (seconds). */
export function lineChart(options: {
  title: string
  series: readonly Series[]
  xLabel: string
  yLabel: string
  yMax?: number
  formatY?: (value: number) => string
}): string {
  const { title, series, xLabel, yLabel } = options
  const formatY = options.formatY ?? ((value: number) => value.toLocaleString('en-US'))
  const xs = series.flatMap((s) => s.points.map(([x]) => x))
  const ys = series.flatMap((s) => s.points.map(([, y]) => y)).filter(Number.isFinite)
  const xTicks = niceTicks(Math.max(1, ...xs), 6)
  const yTicks = niceTicks(options.yMax ?? Math.max(1e-9, ...ys), 5)
  const xMax = xTicks.at(-1) as number
  const yMax = yTicks.at(-1) as number
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom
  const x = (value: number) => MARGIN.left + (value / xMax) * plotWidth
  const y = (value: number) => MARGIN.top + plotHeight - (value / yMax) * plotHeight
  const parts: string[] = [header(title)]
  for (const tick of yTicks) {
    parts.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${y(tick)}" y2="${y(tick)}" class="grid"/>`,
      `<text x="${MARGIN.left - 8}" y="${y(tick) + 4}" text-anchor="end" class="tick">${escapeXml(formatY(tick))}</text>`,
    )
  }
  for (const tick of xTicks) {
    parts.push(
      `<text x="${x(tick)}" y="${MARGIN.top + plotHeight + 18}" text-anchor="middle" class="tick">${tick}</text>`,
    )
  }
  parts.push(
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${y(0)}" y2="${y(0)}" class="axis"/>`,
    `<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 6}" text-anchor="middle" class="label">${escapeXml(xLabel)}</text>`,
    `<text transform="translate(16 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle" class="label">${escapeXml(yLabel)}</text>`,
  )
  series.forEach((s, index) => {
    const points = s.points.filter(([, value]) => Number.isFinite(value))
    if (points.length > 0) {
      const path = points.map(
        ([px, py], i) => `${i === 0 ? 'M' : 'L'}${x(px).toFixed(1)},${y(py).toFixed(1)}`,
      )
      parts.push(
        `<path d="${path.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="6 4"' : ''} class="series" data-series="${escapeXml(s.name)}"/>`,
      )
    }
    const legendY = MARGIN.top + 8 + index * 22
    parts.push(
      `<line x1="${WIDTH - MARGIN.right + 14}" x2="${WIDTH - MARGIN.right + 38}" y1="${legendY}" y2="${legendY}" stroke="${s.color}" stroke-width="3"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      `<text x="${WIDTH - MARGIN.right + 44}" y="${legendY + 4}" class="legend">${escapeXml(s.name)}</text>`,
    )
  })
  parts.push('</svg>')
  return parts.join('\n')
}

export interface LatencyRow {
  readonly name: string
  readonly color: string
  /** Microseconds. */
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly max: number
}

/**
 * Latency distribution per tier on a logarithmic axis: a bar from p50 to p99, a whisker to the maximum,
 * a dot at the median and a tick at p90.
 */
export function latencyChart(title: string, rows: readonly LatencyRow[]): string {
  const rowHeight = 40
  const height = MARGIN.top + MARGIN.bottom + rows.length * rowHeight
  const values = rows.flatMap((row) => [row.p50, row.max]).filter((v) => Number.isFinite(v) && v > 0)
  const low = 10 ** Math.floor(Math.log10(Math.min(...values, 1)))
  const high = 10 ** Math.ceil(Math.log10(Math.max(...values, 10)))
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right + 20
  const left = MARGIN.left + 70
  const x = (micros: number) =>
    left +
    ((Math.log10(Math.max(micros, low)) - Math.log10(low)) / (Math.log10(high) - Math.log10(low))) * plotWidth
  const parts: string[] = [header(title, height)]
  for (let decade = low; decade <= high; decade *= 10) {
    parts.push(
      `<line x1="${x(decade)}" x2="${x(decade)}" y1="${MARGIN.top - 6}" y2="${height - MARGIN.bottom}" class="grid"/>`,
      `<text x="${x(decade)}" y="${height - MARGIN.bottom + 18}" text-anchor="middle" class="tick">${escapeXml(formatMicrosShort(decade))}</text>`,
    )
  }
  rows.forEach((row, index) => {
    const cy = MARGIN.top + index * rowHeight + rowHeight / 2
    parts.push(
      `<text x="${left - 10}" y="${cy + 4}" text-anchor="end" class="legend">${escapeXml(row.name)}</text>`,
    )
    if (!Number.isFinite(row.p50)) return
    parts.push(
      `<line x1="${x(row.p99)}" x2="${x(row.max)}" y1="${cy}" y2="${cy}" stroke="${row.color}" stroke-width="2"/>`,
      `<rect x="${x(row.p50)}" y="${cy - 9}" width="${Math.max(2, x(row.p99) - x(row.p50))}" height="18" rx="3" fill="${row.color}" fill-opacity="0.55" class="bar" data-tier="${escapeXml(row.name)}"/>`,
      `<line x1="${x(row.p90)}" x2="${x(row.p90)}" y1="${cy - 9}" y2="${cy + 9}" stroke="#222" stroke-width="1.5"/>`,
      `<circle cx="${x(row.p50)}" cy="${cy}" r="5" fill="${row.color}" stroke="#222"/>`,
    )
  })
  parts.push(
    `<text x="${left + plotWidth / 2}" y="${height - 8}" text-anchor="middle" class="label">latency (log scale): ● p50, bar to p99 with a tick at p90, line to max</text>`,
    '</svg>',
  )
  return parts.join('\n')
}

function header(title: string, height = HEIGHT): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${escapeXml(title)}" class="chart">`,
    `<title>${escapeXml(title)}</title>`,
    `<text x="${MARGIN.left}" y="22" class="title">${escapeXml(title)}</text>`,
  ].join('\n')
}

function formatMicrosShort(micros: number): string {
  if (micros < 1000) return `${micros} µs`
  if (micros < 1_000_000) return `${micros / 1000} ms`
  return `${micros / 1_000_000} s`
}
