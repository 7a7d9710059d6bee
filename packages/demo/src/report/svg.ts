/**
 * Inline SVG charts for the demo report, generated here so the report needs no script and no network.
 * Every chart has one unit on its y axis, its legend under the plot (wrapped to the chart's width, so
 * no label is cut), and, for charts over time, the warm-up (x < 0) shaded and labelled.
 */

export interface Series {
  readonly name: string
  readonly color: string
  readonly points: readonly (readonly [number, number])[]
  readonly dashed?: boolean
}

const WIDTH = 720
const PLOT_HEIGHT = 220
const MARGIN = { top: 62, right: 24, bottom: 44, left: 70 }
const LEGEND_ROW = 20
/** A generous estimate of the width of a character of the 12px legend and tick text. */
const CHAR_WIDTH = 7.2

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** "Nice" tick values covering [0, max]. */
export function niceTicks(max: number, count = 5): number[] {
  return rangeTicks(0, max, count)
}

/** "Nice" tick values covering [min, max], 0 among them when the range spans it. */
export function rangeTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min, min + 1]
  const raw = (max - min) / count
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude
  const ticks: number[] = []
  const first = Math.floor(min / step + 1e-9) * step
  for (let value = first; value <= max + step * 0.999; value += step)
    ticks.push(Number(value.toPrecision(12)))
  return ticks
}

/** Legend entries laid out in rows under the plot; returns the SVG and the height it takes. */
function legend(
  entries: readonly { name: string; color: string; dashed?: boolean; swatch: 'line' | 'box' }[],
  top: number,
): { svg: string[]; height: number } {
  const svg: string[] = []
  let x = MARGIN.left
  let row = 0
  for (const entry of entries) {
    const width = 30 + entry.name.length * CHAR_WIDTH + 18
    if (x + width > WIDTH - MARGIN.right && x > MARGIN.left) {
      row++
      x = MARGIN.left
    }
    const y = top + row * LEGEND_ROW
    svg.push(
      entry.swatch === 'line'
        ? `<line x1="${x}" x2="${x + 24}" y1="${y}" y2="${y}" stroke="${entry.color}" stroke-width="3"${entry.dashed ? ' stroke-dasharray="6 4"' : ''}/>`
        : `<rect x="${x + 4}" y="${y - 7}" width="16" height="14" fill="${entry.color}"/>`,
      `<text x="${x + 30}" y="${y + 4}" class="legend">${escapeXml(entry.name)}</text>`,
    )
    x += width
  }
  return { svg, height: entries.length > 0 ? (row + 1) * LEGEND_ROW : 0 }
}

interface Axes {
  readonly x: (value: number) => number
  readonly y: (value: number) => number
  readonly parts: string[]
  /** Drawn over the series: where the warm-up ends. */
  readonly overlay: string[]
  readonly plotBottom: number
}

/** Title, subtitle, grid, ticks, axis labels and the warm-up's shading of a chart over time. */
function timeAxes(options: {
  title: string
  subtitle?: string
  xs: readonly number[]
  yMax: number
  yLabel: string
  formatY: (value: number) => string
}): Axes {
  const xTicks = rangeTicks(Math.min(0, ...options.xs), Math.max(1, ...options.xs), 8)
  const yTicks = niceTicks(options.yMax, 5)
  const [xMin, xMax] = [xTicks[0] as number, xTicks.at(-1) as number]
  const yMax = yTicks.at(-1) as number
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right
  const plotBottom = MARGIN.top + PLOT_HEIGHT
  const x = (value: number) => MARGIN.left + ((value - xMin) / (xMax - xMin)) * plotWidth
  const y = (value: number) => plotBottom - (Math.min(value, yMax) / yMax) * PLOT_HEIGHT
  const parts: string[] = []
  const overlay: string[] = []
  if (xMin < 0) {
    parts.push(
      `<rect x="${x(xMin)}" y="${MARGIN.top}" width="${x(0) - x(xMin)}" height="${PLOT_HEIGHT}" fill="#f1f3f5" class="warmup"/>`,
    )
    overlay.push(
      `<line x1="${x(0)}" x2="${x(0)}" y1="${MARGIN.top - 8}" y2="${plotBottom}" stroke="#222" stroke-dasharray="3 3"/>`,
      `<text x="${x(0) - 6}" y="${MARGIN.top - 2}" text-anchor="end" class="tick">◂ warm-up</text>`,
      `<text x="${x(0) + 6}" y="${MARGIN.top - 2}" class="tick">measured ▸</text>`,
    )
  }
  for (const tick of yTicks) {
    parts.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${y(tick)}" y2="${y(tick)}" class="grid"/>`,
      `<text x="${MARGIN.left - 8}" y="${y(tick) + 4}" text-anchor="end" class="tick">${escapeXml(options.formatY(tick))}</text>`,
    )
  }
  for (const tick of xTicks)
    parts.push(`<text x="${x(tick)}" y="${plotBottom + 18}" text-anchor="middle" class="tick">${tick}</text>`)
  parts.push(
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${plotBottom}" y2="${plotBottom}" class="axis"/>`,
    `<text x="${MARGIN.left + plotWidth / 2}" y="${plotBottom + 36}" text-anchor="middle" class="label">seconds since measuring began</text>`,
    `<text transform="translate(16 ${MARGIN.top + PLOT_HEIGHT / 2}) rotate(-90)" text-anchor="middle" class="label">${escapeXml(options.yLabel)}</text>`,
  )
  return { x, y, parts, overlay, plotBottom }
}

function frame(title: string, subtitle: string | undefined, height: number, body: readonly string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${escapeXml(title)}" class="chart">`,
    `<title>${escapeXml(title)}</title>`,
    `<text x="16" y="22" class="title">${escapeXml(title)}</text>`,
    ...(subtitle ? [`<text x="16" y="40" class="label">${escapeXml(subtitle)}</text>`] : []),
    ...body,
    '</svg>',
  ].join('\n')
}

/** A line chart of several series over time (seconds since measuring began), one unit on the y axis. */
export function lineChart(options: {
  title: string
  subtitle?: string
  series: readonly Series[]
  yLabel: string
  yMax?: number
  formatY?: (value: number) => string
}): string {
  const formatY = options.formatY ?? ((value: number) => value.toLocaleString('en-US'))
  const xs = options.series.flatMap((s) => s.points.map(([x]) => x))
  const ys = options.series.flatMap((s) => s.points.map(([, y]) => y)).filter(Number.isFinite)
  const axes = timeAxes({ ...options, xs, yMax: options.yMax ?? Math.max(1e-9, ...ys), formatY })
  const parts = [...axes.parts]
  for (const s of options.series) {
    const points = s.points.filter(([, value]) => Number.isFinite(value))
    if (points.length === 0) continue
    const path = points.map(
      ([px, py], i) => `${i === 0 ? 'M' : 'L'}${axes.x(px).toFixed(1)},${axes.y(py).toFixed(1)}`,
    )
    parts.push(
      `<path d="${path.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="6 4"' : ''} class="series" data-series="${escapeXml(s.name)}"/>`,
    )
  }
  parts.push(...axes.overlay)
  const key = legend(
    options.series.map((s) => ({ ...s, swatch: 'line' as const })),
    axes.plotBottom + MARGIN.bottom + 12,
  )
  return frame(options.title, options.subtitle, axes.plotBottom + MARGIN.bottom + key.height + 8, [
    ...parts,
    ...key.svg,
  ])
}

/**
 * Shares that add up to 1 at every x, stacked: each band is one series' share (0-1) of the whole.
 * All series have their points at the same x values.
 */
export function stackedChart(options: {
  title: string
  subtitle?: string
  series: readonly Series[]
  yLabel: string
}): string {
  const first = options.series[0]?.points ?? []
  const xs = first.map(([x]) => x)
  const axes = timeAxes({ ...options, xs, yMax: 1, formatY: (value) => `${Math.round(value * 100)} %` })
  const parts = [...axes.parts]
  const below = xs.map(() => 0)
  for (const s of options.series) {
    const above = below.map(
      (base, i) => base + (Number.isFinite(s.points[i]?.[1]) ? (s.points[i]?.[1] as number) : 0),
    )
    const upper = xs.map((x, i) => `${axes.x(x).toFixed(1)},${axes.y(above[i] as number).toFixed(1)}`)
    const lower = xs
      .map((x, i) => `${axes.x(x).toFixed(1)},${axes.y(below[i] as number).toFixed(1)}`)
      .reverse()
    if (xs.length > 0)
      parts.push(
        `<polygon points="${[...upper, ...lower].join(' ')}" fill="${s.color}" class="band" data-series="${escapeXml(s.name)}"/>`,
      )
    above.forEach((value, i) => {
      below[i] = value
    })
  }
  parts.push(...axes.overlay)
  const key = legend(
    options.series.map((s) => ({ ...s, swatch: 'box' as const })),
    axes.plotBottom + MARGIN.bottom + 12,
  )
  return frame(options.title, options.subtitle, axes.plotBottom + MARGIN.bottom + key.height + 8, [
    ...parts,
    ...key.svg,
  ])
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
 * Latency distributions on a logarithmic axis: a bar from p50 to p99, a whisker to the maximum, a dot
 * at the median and a tick at p90.
 */
export function latencyChart(title: string, subtitle: string, rows: readonly LatencyRow[]): string {
  const rowHeight = 36
  const plotBottom = MARGIN.top + rows.length * rowHeight
  const height = plotBottom + 56
  const values = rows.flatMap((row) => [row.p50, row.max]).filter((v) => Number.isFinite(v) && v > 0)
  const low = 10 ** Math.floor(Math.log10(Math.min(...values, 1)))
  const high = 10 ** Math.ceil(Math.log10(Math.max(...values, 10)))
  const left = 20 + Math.max(...rows.map((row) => row.name.length), 4) * CHAR_WIDTH
  const plotWidth = WIDTH - MARGIN.right - 20 - left
  const x = (micros: number) =>
    left +
    ((Math.log10(Math.max(micros, low)) - Math.log10(low)) / (Math.log10(high) - Math.log10(low))) * plotWidth
  const parts: string[] = []
  for (let decade = low; decade <= high; decade *= 10) {
    parts.push(
      `<line x1="${x(decade)}" x2="${x(decade)}" y1="${MARGIN.top - 6}" y2="${plotBottom}" class="grid"/>`,
      `<text x="${x(decade)}" y="${plotBottom + 18}" text-anchor="middle" class="tick">${escapeXml(formatMicrosShort(decade))}</text>`,
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
    `<text x="${left + plotWidth / 2}" y="${plotBottom + 40}" text-anchor="middle" class="label">latency (log scale): ● p50, bar to p99 with a tick at p90, line to max</text>`,
  )
  return frame(title, subtitle, height, parts)
}

function formatMicrosShort(micros: number): string {
  if (micros < 1000) return `${micros} µs`
  if (micros < 1_000_000) return `${micros / 1000} ms`
  return `${micros / 1_000_000} s`
}
