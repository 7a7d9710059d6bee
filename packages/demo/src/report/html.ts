import { formatCount } from '../../../../src/cli/format.js'
import { comparisonTable, cpuLine, headline, plural, TIER_TABLE_NOTE, tierTable } from '../figures.js'
import type { TimelinePoint } from '../phase.js'
import type { DemoSummary, PhaseSummary } from '../summary.js'
import { escapeXml, latencyChart, lineChart, type Series, stackedChart } from './svg.js'

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
  const charts = [
    answeredChart(summary),
    throughputChart(summary),
    databaseReadsChart(summary),
    requestP99Chart(summary),
    eventLoopChart(summary),
    latencyDistributionChart(summary),
  ]
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
  .headline p { margin: .3rem 0; } .headline { font-size: 1.05rem; }
  table { border-collapse: collapse; margin: 1rem 0 .5rem; }
  th, td { padding: .3rem .8rem; border-bottom: 1px solid #ddd; text-align: right; white-space: nowrap; }
  th:first-child, td:first-child, table.tiers td:last-child, table.tiers th:last-child { text-align: left; }
  .note { color: #555; font-size: .9rem; margin: 0 0 1.5rem; }
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
<div class="headline">
${headline(summary)
  .map((line) => `<p>${escapeXml(line)}</p>`)
  .join('\n')}
</div>
<h2>Tiers</h2>
${table(tierTable(summary), 'tiers')}
<p class="note">${escapeXml(TIER_TABLE_NOTE)}</p>
<h2>With and without tiercache</h2>
${table(comparisonTable(summary), 'comparison')}
<p class="note">CPU over the measured phase, per process (% of one core). With tiercache: ${escapeXml(cpuLine(summary.cached))}${summary.direct ? `. Without: ${escapeXml(cpuLine(summary.direct))}` : ''}.</p>
<p class="verdict ${summary.stale.staleBeyondBound === 0 ? 'ok' : 'bad'}">Stale reads observed: ${formatCount(summary.stale.staleBeyondBound)}
 (${plural(summary.stale.reads, 'read')} of updated products checked against ${plural(summary.stale.writes, 'acknowledged update')}; bound ${summary.stale.boundMs / 1000} s)</p>
${charts.map((chart) => `<figure>\n${chart}\n</figure>`).join('\n')}
</body>
</html>
`
}

/** A table whose first row is the header, with the same cells as the terminal's. */
function table(rows: readonly (readonly string[])[], className: string): string {
  const [head = [], ...body] = rows
  const cells = (row: readonly string[], tag: 'th' | 'td') =>
    row.map((cell) => `<${tag}>${escapeXml(cell.trim())}</${tag}>`).join('')
  return `<table class="${className}"><thead><tr>${cells(head, 'th')}</tr></thead><tbody>\n${body.map((row) => `<tr>${cells(row, 'td')}</tr>`).join('\n')}\n</tbody></table>`
}

/** Per sampling interval: the share of the requests served that memory, Redis and the database answered. */
function answeredChart(summary: DemoSummary): string {
  const timeline = summary.cached.timeline
  const parts = [
    { name: 'from memory at once', color: COLORS.memory, pick: (p: TimelinePoint) => p.answeredBy.memory },
    { name: 'after a Redis round trip', color: COLORS.hot, pick: (p: TimelinePoint) => p.answeredBy.redis },
    { name: 'by a database read', color: COLORS.database, pick: (p: TimelinePoint) => p.answeredBy.database },
  ]
  return stackedChart({
    title: 'What answered the requests, with tiercache',
    subtitle: 'share of all requests served in each half second (not of the reads that reached a tier)',
    yLabel: 'share of requests',
    series: parts.map((part) => ({
      name: part.name,
      color: part.color as string,
      points: deltas(timeline, (point) => [part.pick(point), point.served]),
    })),
  })
}

function throughputChart(summary: DemoSummary): string {
  return lineChart({
    title: 'Requests served per second',
    series: bothRuns(summary, (point) => point.served),
    yLabel: 'requests per second',
  })
}

function databaseReadsChart(summary: DemoSummary): string {
  const writes = [summary.cached, summary.direct]
    .filter((phase) => phase !== undefined)
    .map((phase) => formatCount(phase.dbWrites / phase.seconds))
  return lineChart({
    title: 'Database reads per second',
    subtitle: `reads made to serve requests; the writer's updates (${writes.join(' and ')}/s) are not included`,
    series: bothRuns(summary, (point) => point.dbReads),
    yLabel: 'reads per second',
  })
}

function requestP99Chart(summary: DemoSummary): string {
  const series = (phase: PhaseSummary, name: string, color: string): Series => ({
    name,
    color,
    points: phase.timeline.map((point) => [point.at, point.requestP99 / 1000]),
  })
  return lineChart({
    title: 'Request latency p99 per half second',
    series: [
      series(summary.cached, 'with tiercache', COLORS.memory as string),
      ...(summary.direct ? [series(summary.direct, 'without', COLORS['database, no cache'] as string)] : []),
    ],
    yLabel: 'milliseconds',
  })
}

const INSTANCE_COLORS = [
  '#1c7ed6',
  '#e8590c',
  '#2b8a3e',
  '#ae3ec9',
  '#f08c00',
  '#0ca678',
  '#c2255c',
  '#495057',
]

function eventLoopChart(summary: DemoSummary): string {
  const series = (phase: PhaseSummary, run: string, dashed: boolean): Series[] => {
    const count = phase.timeline[0]?.eventLoopP99.length ?? 0
    return Array.from({ length: count }, (_, index) => ({
      name: `${index === count - 1 ? 'writer' : `instance ${index + 1}`}, ${run}`,
      color: INSTANCE_COLORS[index % INSTANCE_COLORS.length] as string,
      dashed,
      points: phase.timeline.map((point) => [point.at, (point.eventLoopP99[index] ?? Number.NaN) / 1000]),
    }))
  }
  return lineChart({
    title: 'Event-loop delay p99 per instance',
    subtitle: 'how late each process ran its timers in each half second: time a request waits for the CPU',
    series: [
      ...series(summary.cached, 'with', false),
      ...(summary.direct ? series(summary.direct, 'without', true) : []),
    ],
    yLabel: 'milliseconds',
  })
}

function latencyDistributionChart(summary: DemoSummary): string {
  const rows = [
    ...summary.tiers,
    ...(summary.directDatabase ? [{ ...summary.directDatabase, name: 'database, no cache' }] : []),
  ]
  const requests = [
    {
      name: 'requests, with tiercache',
      latency: summary.cached.requestLatency,
      color: COLORS.memory as string,
    },
    ...(summary.direct
      ? [
          {
            name: 'requests, without',
            latency: summary.direct.requestLatency,
            color: COLORS['database, no cache'] as string,
          },
        ]
      : []),
  ]
  return latencyChart(
    'Latency distribution',
    'measured phase; Redis round trips as the cache timed them over the whole run',
    [
      ...requests,
      ...rows.map((row) => ({ name: row.name, latency: row.latency, color: COLORS[row.name] ?? '#495057' })),
    ]
      .filter((row) => row.latency !== undefined)
      .map((row) => ({
        name: row.name,
        color: row.color,
        p50: row.latency?.p50 ?? Number.NaN,
        p90: row.latency?.p90 ?? Number.NaN,
        p99: row.latency?.p99 ?? Number.NaN,
        max: row.latency?.max ?? Number.NaN,
      })),
  )
}

/** Per second between consecutive points, of both runs. */
function bothRuns(summary: DemoSummary, pick: (point: TimelinePoint) => number): Series[] {
  const perSecond = (timeline: readonly TimelinePoint[]) => {
    const points: [number, number][] = []
    let previous: TimelinePoint | undefined
    for (const point of timeline) {
      if (previous) points.push([point.at, (pick(point) - pick(previous)) / (point.at - previous.at)])
      previous = point
    }
    return points
  }
  return [
    { name: 'with tiercache', color: COLORS.memory as string, points: perSecond(summary.cached.timeline) },
    ...(summary.direct
      ? [
          {
            name: 'without',
            color: COLORS['database, no cache'] as string,
            points: perSecond(summary.direct.timeline),
          },
        ]
      : []),
  ]
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
