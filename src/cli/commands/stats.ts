import { redactUrl } from '../../redact.js'
import { durationFlag, parseCommand, stringFlag } from '../args.js'
import { nextSignal } from '../cleanup.js'
import type { Command } from '../command.js'
import { CliError, errorMessage, UsageError } from '../errors.js'
import { formatBytes, formatCount, formatMicros, formatPercent, renderTable } from '../format.js'
import { bucketQuantile, parsePrometheusText, type Sample } from '../metrics-text.js'
import { connectOnce } from '../redis/client.js'
import { TARGET_HELP, TARGET_OPTIONS, tierTargets } from '../redis/targets.js'

const HELP = `Usage: tiercache stats --metrics URL [--prefix P]
       tiercache stats [--tier NAME=URL ...]
       add --watch [--interval 2s] to repeat until Ctrl-C

Live per-tier figures.
  --metrics URL          read a running application's Prometheus endpoint (e.g.
                         http://127.0.0.1:3000/metrics, served with tiercache's prometheusMetrics()):
                         hits, misses, hit ratio and round-trip latency per tier, loads
  --prefix P             the metric name prefix given to prometheusMetrics (default tiercache_)
  (without --metrics)    ask each Redis tier's server (INFO): memory used and bound, keys, server-wide
                         keyspace hit ratio, evictions, operations per second, clients

${TARGET_HELP}
  --watch                print again every --interval until Ctrl-C
  --interval D           time between prints with --watch (default 2s)`

export const statsCommand: Command = {
  async run(argv) {
    const { flags, help } = parseCommand('stats', argv, {
      ...TARGET_OPTIONS,
      metrics: { type: 'string' },
      prefix: { type: 'string' },
      watch: { type: 'boolean' },
      interval: { type: 'string' },
    })
    if (help) {
      console.log(HELP)
      return 0
    }
    const metricsUrl = stringFlag(flags, 'metrics')
    if (metricsUrl !== undefined && !/^https?:\/\//.test(metricsUrl))
      throw new UsageError(`--metrics must be an http:// URL; got "${metricsUrl}"`, 'stats')
    const prefix = stringFlag(flags, 'prefix') ?? 'tiercache_'
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(prefix))
      throw new UsageError(`--prefix must be a metric name start; got "${prefix}"`, 'stats')
    const intervalMs = durationFlag(flags, 'interval', 'stats', { fallbackMs: 2000, minMs: 100 })
    const targets = metricsUrl === undefined ? tierTargets(flags, 'stats') : []
    const once = async () =>
      console.log(metricsUrl ? await fromMetrics(metricsUrl, prefix) : await fromRedis(targets))
    await once()
    if (!flags.watch) return 0
    const stop = nextSignal()
    try {
      for (;;) {
        const next = await Promise.race([
          stop.signal,
          new Promise<'tick'>((resolve) => setTimeout(() => resolve('tick'), intervalMs)),
        ])
        if (next !== 'tick') return 0
        console.log('')
        await once()
      }
    } finally {
      stop.dispose()
    }
  },
}

async function fromMetrics(url: string, prefix: string): Promise<string> {
  let text: string
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3000) })
    if (!response.ok) throw new Error(`HTTP ${response.status}`)
    text = await response.text()
  } catch (error) {
    throw new CliError(`cannot read metrics from ${redactUrl(url)}: ${errorMessage(error)}`)
  }
  const samples = parsePrometheusText(text)
  const tiers = new Map<string, { cache: string; tier: string }>()
  for (const sample of samples) {
    if (sample.name !== `${prefix}tier_hits_total`) continue
    const { cache = '', tier = '' } = sample.labels
    tiers.set(`${cache}\u0000${tier}`, { cache, tier })
  }
  if (tiers.size === 0)
    throw new CliError(`${redactUrl(url)} has no tiercache metrics (${prefix}tier_hits_total)`)
  const matching = (name: string, labels: Record<string, string>) =>
    samples.filter(
      (sample) =>
        sample.name === `${prefix}${name}` &&
        Object.entries(labels).every(([key, wanted]) => sample.labels[key] === wanted),
    )
  const value = (name: string, labels: Record<string, string>) => matching(name, labels)[0]?.value
  const rows = [['cache', 'tier', 'hits', 'misses', 'hit ratio', 'p50', 'p99', 'errors']]
  for (const { cache, tier } of tiers.values()) {
    const labels = { cache, tier }
    const hits = value('tier_hits_total', labels) ?? 0
    const misses = value('tier_misses_total', labels) ?? 0
    // The summary when the application reports it (latencySummary), else the round-trip histogram.
    const quantile = (q: string) => {
      const seconds =
        value('tier_latency_seconds', { ...labels, quantile: q }) ??
        bucketQuantile(matching('tier_round_trip_seconds_bucket', labels), Number(q))
      return seconds === undefined ? undefined : seconds * 1e6
    }
    rows.push([
      cache,
      tier,
      formatCount(hits),
      formatCount(misses),
      formatPercent(hits + misses === 0 ? Number.NaN : hits / (hits + misses)),
      formatMicros(quantile('0.5')),
      formatMicros(quantile('0.99')),
      formatCount(value('tier_errors_total', labels) ?? 0),
    ])
  }
  const loads = sum(samples, `${prefix}loads_total`)
  return `${renderTable(rows)}\nloader calls ${formatCount(loads)}   (from ${redactUrl(url)})`
}

function sum(samples: readonly Sample[], name: string): number {
  return samples.filter((sample) => sample.name === name).reduce((total, sample) => total + sample.value, 0)
}

async function fromRedis(targets: readonly { name: string; url: string }[]): Promise<string> {
  const rows = [['tier', 'used memory', 'maxmemory', 'keys', 'hit ratio*', 'evicted', 'ops/s', 'clients']]
  for (const target of targets) {
    const connection = await connectOnce(target.url, `tier "${target.name}"`)
    try {
      const info = parseInfo(await connection.text(['INFO']))
      const number = (field: string) => Number(info.get(field) ?? Number.NaN)
      const keys = [...info.entries()]
        .filter(([field]) => /^db\d+$/.test(field))
        .reduce((total, [, value]) => total + Number(/keys=(\d+)/.exec(value)?.[1] ?? 0), 0)
      const hits = number('keyspace_hits')
      const misses = number('keyspace_misses')
      const maxmemory = number('maxmemory')
      rows.push([
        target.name,
        formatBytes(number('used_memory')),
        maxmemory === 0 ? 'unbounded' : formatBytes(maxmemory),
        formatCount(keys),
        formatPercent(hits + misses === 0 ? Number.NaN : hits / (hits + misses)),
        formatCount(number('evicted_keys')),
        formatCount(number('instantaneous_ops_per_sec')),
        formatCount(number('connected_clients')),
      ])
    } finally {
      await connection.close()
    }
  }
  return `${renderTable(rows)}\n* server-wide keyspace hits/misses since the server started (every client, every key)`
}

function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>()
  for (const line of text.split('\r\n')) {
    const at = line.indexOf(':')
    if (at > 0 && !line.startsWith('#')) fields.set(line.slice(0, at), line.slice(at + 1))
  }
  return fields
}
