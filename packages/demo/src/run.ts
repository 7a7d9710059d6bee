import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createCache, redisTier } from 'tiercache'
import { Cleanup, nextSignal, signalExitCode } from '../../../src/cli/cleanup.js'
import { CliError } from '../../../src/cli/errors.js'
import { formatCount, formatPercent } from '../../../src/cli/format.js'
import { connectClient, connectOnce } from '../../../src/cli/redis/client.js'
import { assertRedisServerInstalled, startLocalRedis } from '../../../src/cli/redis/local-server.js'
import { PRESETS } from '../../../src/cli/redis/presets.js'
import { redactUrl } from '../../../src/redact.js'
import { auditSettings, readServerSettings } from '../../../src/tiers/redis/audit.js'
import { cpuProbe } from './cpu.js'
import { openDatabase } from './database.js'
import { plural } from './figures.js'
import { type PhaseResult, runPhase, type Totals } from './phase.js'
import { renderSummary } from './print.js'
import { ProgressBar } from './progress.js'
import { renderReport } from './report/html.js'
import { summarize } from './summary.js'
import { categoriesFor, type WorkloadShape } from './workload.js'

export interface DemoOptions {
  /** Length of the measured phase of the run with the cache (after its warm-up). */
  readonly durationMs: number
  /** Length of the measured phase of the comparison run without the cache; 0 skips that run. */
  readonly baselineMs: number
  /** The longest warm-up of each run: measuring starts then even if the figures still move. */
  readonly maxWarmupMs: number
  readonly instances: number
  /** Requests per second offered by each instance. */
  readonly rate: number
  readonly writeRate: number
  readonly products: number
  readonly popular: number
  readonly skew: number
  readonly listingShare: number
  readonly reportPath: string
  readonly databaseUrl: string | undefined
  readonly hotUrl: string | undefined
  readonly warmUrl: string | undefined
  readonly seed: number
}

/**
 * The cache namespace: 'shop' on servers the demo started; on servers it was pointed at, one of its
 * own, so that removing its keys afterwards cannot touch an application's.
 */
function namespaceFor(external: boolean): string {
  return external ? `tiercache-demo-${process.pid}-${Date.now() % 100_000}` : 'shop'
}

/** Runs the demo end to end; resolves with the exit code (1 if a stale read was observed). */
export async function runDemo(options: DemoOptions): Promise<number> {
  if (!options.hotUrl || !options.warmUrl) assertRedisServerInstalled()
  const cleanup = new Cleanup()
  const abort = new AbortController()
  const interrupt = nextSignal()
  const interrupted = interrupt.signal.then((signal) => {
    abort.abort()
    return signal
  })
  try {
    const outcome = await Promise.race([run(options, cleanup, abort.signal), interrupted])
    if (typeof outcome === 'string') {
      process.stderr.write(`\n${outcome}: stopping the demo and cleaning up\n`)
      return signalExitCode(outcome)
    }
    return outcome
  } finally {
    await cleanup.run()
    interrupt.dispose()
  }
}

async function run(options: DemoOptions, cleanup: Cleanup, signal: AbortSignal): Promise<number> {
  const status = (message: string) => process.stderr.write(`• ${message}\n`)
  const workDir = mkdtempSync(path.join(tmpdir(), 'tiercache-demo-'))
  cleanup.removeDirectory(workDir)
  const shape: WorkloadShape = {
    products: options.products,
    popular: Math.min(options.popular, options.products),
    skew: options.skew,
    categories: categoriesFor(options.products),
    listingShare: options.listingShare,
  }

  const urls: Record<'hot' | 'warm', string> = { hot: options.hotUrl ?? '', warm: options.warmUrl ?? '' }
  for (const preset of PRESETS['hot-warm']) {
    const name = preset.name as 'hot' | 'warm'
    if (urls[name]) continue
    const server = await startLocalRedis(name, preset.args, { parentDir: workDir })
    cleanup.add(() => server.stop())
    urls[name] = server.url
    throwIfAborted(signal)
  }
  const audits = await Promise.all(
    (['hot', 'warm'] as const).map(async (name) => {
      const connection = await connectOnce(urls[name], `the ${name} tier`)
      try {
        const report = auditSettings(name, name, await readServerSettings(connection))
        return `${name} ${redactUrl(urls[name])} (${report.settings.maxmemoryPolicy}, ${report.settings.appendonly ? 'AOF' : 'no persistence'}; audit: ${report.findings.length === 0 ? 'fits its role' : report.findings.map((f) => f.message).join('; ')})`
      } finally {
        await connection.close()
      }
    }),
  )
  const external = Boolean(options.hotUrl || options.warmUrl)
  const namespace = namespaceFor(external)
  if (external) cleanup.add(() => removeNamespace(urls, namespace))

  const database = await openDatabase({
    databaseUrl: options.databaseUrl,
    products: options.products,
    categories: shape.categories,
    onStatus: status,
  })
  cleanup.add(() => database.close())
  throwIfAborted(signal)

  const title = `tiercache demo: ${plural(options.instances, 'instance')} × ${formatCount(options.rate)} requests/s, ${plural(options.products, 'product')} (${formatCount(shape.popular)} get ${formatPercent(options.skew)} of views), ${plural(options.writeRate, 'update')}/s`
  const lines = [
    `stack: memory (per instance) → Redis hot → Redis warm → ${database.kind}`,
    `Redis: ${audits.join('; ')}`,
  ]
  process.stdout.write(`${title}\n${lines.join('\n')}\n\n`)

  const common = {
    instances: options.instances,
    rate: options.rate,
    writeRate: options.writeRate,
    shape,
    databaseUrl: database.url,
    table: database.table,
    hotUrl: urls.hot,
    warmUrl: urls.warm,
    namespace,
    workDir,
    sampleEveryMs: 500,
    maxWarmupMs: options.maxWarmupMs,
    seed: options.seed,
    signal,
    cpuOfOthers: cpuProbe(
      external ? {} : urls,
      database.kind === 'PostgreSQL' ? 'demo process' : 'demo process with PGlite',
    ),
  }
  const cached = await measured('with tiercache', {
    ...common,
    mode: 'cache',
    durationMs: options.durationMs,
  })
  const direct =
    options.baselineMs > 0
      ? await measured('without cache ', { ...common, mode: 'direct', durationMs: options.baselineMs })
      : undefined

  const summary = summarize(cached, direct)
  process.stdout.write(`${renderSummary(summary)}\n`)
  const reportPath = path.resolve(options.reportPath)
  mkdirSync(path.dirname(reportPath), { recursive: true })
  writeFileSync(reportPath, renderReport(summary, { title, lines }))
  process.stdout.write(`\nreport: ${reportPath}\n`)
  return summary.stale.staleBeyondBound === 0 ? 0 : 1
}

async function measured(
  label: string,
  options: Omit<Parameters<typeof runPhase>[0], 'onProgress'>,
): Promise<PhaseResult> {
  const bar = new ProgressBar(process.stderr, label)
  let previous = { at: performance.now(), totals: undefined as Totals | undefined }
  const result = await runPhase({
    ...options,
    onProgress({ stage, elapsedMs, totals }) {
      const now = performance.now()
      const seconds = (now - previous.at) / 1000
      const served = totals.served - (previous.totals?.served ?? 0)
      const reads = totals.dbReads - (previous.totals?.dbReads ?? 0)
      const memory = totals.answeredBy.memory - (previous.totals?.answeredBy.memory ?? 0)
      const detail = [
        `${formatCount(served / seconds)} served/s`,
        `${formatCount(reads / seconds)} db reads/s`,
        ...(options.mode === 'cache'
          ? [`${formatPercent(served ? memory / served : Number.NaN)} from memory`]
          : []),
      ].join('  ')
      if (stage === 'warm-up') bar.warming(elapsedMs, options.maxWarmupMs, detail)
      else bar.measuring(elapsedMs, options.durationMs, detail)
      previous = { at: now, totals }
    },
  })
  bar.done(
    `done: warm-up ${(result.warmupMs / 1000).toFixed(1)} s${result.settled ? '' : ' (not settled)'}, measured ${(result.measuredMs / 1000).toFixed(1)} s`,
  )
  return result
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new CliError('interrupted')
}

/**
 * On servers the demo did not start, removes everything it wrote: the entries (cache.clear(): SCAN +
 * UNLINK of the namespace), then the namespace's clock and tag keys, which are the demo's own too.
 */
async function removeNamespace(urls: Record<'hot' | 'warm', string>, namespace: string): Promise<void> {
  const clients = {
    hot: await connectClient(urls.hot, 'the hot tier'),
    warm: await connectClient(urls.warm, 'the warm tier'),
  }
  const cache = createCache({
    namespace,
    tiers: [
      redisTier({ name: 'hot', client: clients.hot }),
      redisTier({ name: 'warm', client: clients.warm }),
    ],
    sync: { bus: false },
  })
  try {
    await cache.clear()
    for (const [name, client] of Object.entries(clients)) {
      for await (const keys of client.scanIterator({ MATCH: `${name}:${namespace}*`, COUNT: 1000 })) {
        if (keys.length > 0) await client.unlink(keys)
      }
    }
  } finally {
    await cache.close()
    await Promise.all([clients.hot.close(), clients.warm.close()])
  }
}
