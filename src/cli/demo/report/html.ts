import { formatCount, formatMicros, formatPercent } from '../../format.js'
import type { TimelinePoint } from '../phase.js'
import type { DemoSummary, TierRow } from '../summary.js'
import { escapeXml, latencyChart, lineChart, type Series } from './svg.js'

const COLORS: Record<string, string> = {
  memory: '#2b8a3e',
  hot: '#e8590c',
  warm: '#f2b705',
  database: '#1c7ed6',
  'database, no cache': '#862e9c',
}

/** What the report says about the run besides the measurements. */
export interface RunDescription {
  readonly title: string
  readonly lines: readonly string[]
}

/** A self-contained HTML page: inline CSS and SVG, no script, nothing fetched. */
export function renderReport(summary: DemoSummary, run: RunDescription): string {
  const charts = [hitRatioChart(summary), latencyDistributionChart(summary), databaseChart(summary)]
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(run.title)}</title>
<style>
  body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #222; }
  h1 { font-size: 1.5rem; margin-bottom: .2rem; }
  .meta { color: #555; margin: .1rem 0; }
  table { border-collapse: collapse; margin: 1rem 0 1.5rem; }
  th, td { padding: .3rem .8rem; border-bottom: 1px solid #ddd; text-align: right; }
  th:first-child, td:first-child { text-align: left; }
  .verdict { font-weight: 600; }
  .ok { color: #2b8a3e; } .bad { color: #c92a2a; }
  figure { margin: 1.5rem 0; }
  svg.chart { max-width: 100%; height: auto; background: #fff; border: 1px solid #e5e5e5; border-radius: 6px; }
  svg .grid { stroke: #eee; } svg .axis { stroke: #999; }
  svg .tick { font-size: 11px; fill: #666; } svg .label { font-size: 12px; fill: #444; }
  svg .legend { font-size: 12px; fill: #222; } svg .title { font-size: 14px; font-weight: 600; fill: #222; }
</style>
</head>
<body>
<h1>${escapeXml(run.title)}</h1>
${run.lines.map((line) => `<p class="meta">${escapeXml(line)}</p>`).join('\n')}
<h2>Tiers</h2>
${tierTable(summary.tiers)}
<h2>With and without tiercache</h2>
${comparisonTable(summary)}
<p class="verdict ${summary.stale.staleBeyondBound === 0 ? 'ok' : 'bad'}">Stale reads observed: ${formatCount(summary.stale.staleBeyondBound)}
 (${formatCount(summary.stale.reads)} reads of updated products checked against ${formatCount(summary.stale.writes)} acknowledged updates; bound ${summary.stale.boundMs / 1000} s)</p>
${charts.map((chart) => `<figure>\n${chart}\n</figure>`).join('\n')}
</body>
</html>
`
}

function tierTable(rows: readonly TierRow[]): string {
  const body = rows
    .map(
      (row) =>
        `<tr><td>${escapeXml(row.name)}</td><td>${formatCount(row.hits)}${row.name === 'database' ? ' queries' : ''}</td><td>${row.name === 'database' ? '' : formatCount(row.misses)}</td><td>${formatPercent(row.hitRatio)}</td><td>${formatMicros(row.latency?.p50)}</td><td>${formatMicros(row.latency?.p99)}</td><td>${escapeXml(row.latencyOf)}</td></tr>`,
    )
    .join('\n')
  return `<table class="tiers"><thead><tr><th>tier</th><th>hits</th><th>misses</th><th>hit ratio</th><th>p50</th><th>p99</th><th>latency of</th></tr></thead><tbody>\n${body}\n</tbody></table>`
}

function comparisonTable(summary: DemoSummary): string {
  const phases = [summary.cached, summary.direct].filter((phase) => phase !== undefined)
  const cell = (values: string[]) => values.map((value) => `<td>${escapeXml(value)}</td>`).join('')
  const rows = [
    ['requests served', ...phases.map((p) => formatCount(p.served))],
    ['served per second', ...phases.map((p) => formatCount(p.served / p.seconds))],
    ['served per second, second half', ...phases.map((p) => formatCount(p.secondHalf.servedPerSecond))],
    ['database queries (reads)', ...phases.map((p) => formatCount(p.readQueries))],
    [
      'database queries per second',
      ...phases.map((p) => formatCount((p.readQueries + p.writes) / p.seconds)),
    ],
    [
      'database queries per second, second half',
      ...phases.map((p) => formatCount(p.secondHalf.queriesPerSecond)),
    ],
    [
      'queries per request served',
      ...phases.map((p) => (p.served ? (p.readQueries / p.served).toFixed(3) : '-')),
    ],
    ['request latency p50', ...phases.map((p) => formatMicros(p.requestLatency?.p50))],
    ['request latency p99', ...phases.map((p) => formatMicros(p.requestLatency?.p99))],
  ]
  const head = ['', 'with tiercache', ...(summary.direct ? ['without (database only)'] : [])]
  return `<table class="comparison"><thead><tr>${head.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead><tbody>\n${rows.map((row) => `<tr>${cell(row)}</tr>`).join('\n')}\n</tbody></table>`
}

/** Per sampling interval: the tier's hits / (hits + misses) in that interval. */
function hitRatioChart(summary: DemoSummary): string {
  const timeline = summary.cached.timeline
  const names = timeline[0]?.tiers.map((tier) => tier.name) ?? []
  const series: Series[] = names.map((name) => ({
    name,
    color: COLORS[name] ?? '#495057',
    points: deltas(timeline, (point) => {
      const tier = point.tiers.find((t) => t.name === name)
      return [tier?.hits ?? 0, (tier?.hits ?? 0) + (tier?.misses ?? 0)]
    }),
  }))
  series.push({
    name: 'no database',
    color: '#495057',
    dashed: true,
    points: deltas(timeline, (point) => [point.served - point.dbQueries + point.writes, point.served]),
  })
  return lineChart({
    title: 'Hit ratio per tier over time',
    series,
    xLabel: 'seconds',
    yLabel: 'hit ratio',
    yMax: 1,
    formatY: (value) => `${Math.round(value * 100)} %`,
  })
}

function latencyDistributionChart(summary: DemoSummary): string {
  const rows = [
    ...summary.tiers,
    ...(summary.directDatabase ? [{ ...summary.directDatabase, name: 'database, no cache' }] : []),
  ]
  return latencyChart(
    'Latency distribution per tier',
    rows
      .filter((row) => row.latency !== undefined)
      .map((row) => ({
        name: row.name,
        color: COLORS[row.name] ?? '#495057',
        p50: row.latency?.p50 ?? Number.NaN,
        p90: row.latency?.p90 ?? Number.NaN,
        p99: row.latency?.p99 ?? Number.NaN,
        max: row.latency?.max ?? Number.NaN,
      })),
  )
}

function databaseChart(summary: DemoSummary): string {
  const perSecond = (timeline: readonly TimelinePoint[], pick: (point: TimelinePoint) => number) => {
    const points: [number, number][] = []
    let previous = { at: 0, value: 0 }
    for (const point of timeline) {
      const value = pick(point)
      points.push([point.at, (value - previous.value) / (point.at - previous.at)])
      previous = { at: point.at, value }
    }
    return points
  }
  const series: Series[] = [
    {
      name: 'with tiercache',
      color: COLORS.memory as string,
      points: perSecond(summary.cached.timeline, (p) => p.dbQueries),
    },
  ]
  if (summary.direct) {
    series.push({
      name: 'without',
      color: COLORS['database, no cache'] as string,
      points: perSecond(summary.direct.timeline, (p) => p.dbQueries),
    })
  }
  series.push({
    name: 'requests/s, with cache',
    color: '#adb5bd',
    dashed: true,
    points: perSecond(summary.cached.timeline, (p) => p.served),
  })
  return lineChart({ title: 'Database queries per second', series, xLabel: 'seconds', yLabel: 'per second' })
}

/** Ratios of increments between consecutive samples: [numerator, denominator] per point. */
function deltas(
  timeline: readonly TimelinePoint[],
  pick: (point: TimelinePoint) => [number, number],
): [number, number][] {
  const points: [number, number][] = []
  let previous: [number, number] = [0, 0]
  for (const point of timeline) {
    const current = pick(point)
    const denominator = current[1] - previous[1]
    points.push([point.at, denominator > 0 ? (current[0] - previous[0]) / denominator : Number.NaN])
    previous = current
  }
  return points
}
