import { durationFlag, integerFlag, numberFlag, parseCommand, stringFlag } from '../../../src/cli/args.js'
import type { Command } from '../../../src/cli/command.js'
import { UsageError } from '../../../src/cli/errors.js'

const HELP = `Usage: tiercache demo [options]            (in this repository: npm run demo -- [options])

Runs the seed tutorial's e-commerce architecture end to end: a hot Redis (no persistence,
allkeys-lfu, 64mb) and a warm Redis (AOF, volatile-lru, 256mb) started as child processes, an
embedded PostgreSQL (PGlite) seeded with products, several application instances (child processes,
each with its own memory tier) serving product pages where a few products get most views, and a
writer updating products (database first, then the cache). Each run warms up, then is measured:
prints what the cache did at steady state, per-tier hits, hit ratio and latency, database reads and
writes against requests served, the stale reads observed (must be 0) and the same traffic without
the cache; writes an HTML report with charts of both phases. Cleans up on exit and Ctrl-C.

Options:
  --duration D     how long the run with tiercache is measured, after its warm-up (default 15s;
                   a bare number is seconds)
  --baseline D     how long the comparison run without the cache is measured, after its own
                   warm-up; 0 skips it (default: the same as --duration)
  --warmup D       the longest warm-up: each run first warms up until the share of requests each
                   tier answers stops changing, then measures; at this limit it measures anyway and
                   says the figures are not at steady state (default 30s; 0 measures at once)
  --instances N    application instances (default 3)
  --rate N         most requests per second each instance serves (default 2500: more than the
                   database alone can serve on a small machine, so the runs show the capacity
                   the cache adds)
  --writes N       product updates per second (default 20)
  --products N     products in the database (default 100000)
  --popular N      how many products are the popular ones (default 1000)
  --skew F         share of product views that go to the popular ones, 0-1 (default 0.9)
  --listings F     share of requests that are category listings, 0-1 (default 0.05)
  --report FILE    where to write the HTML report (default reports/tiercache-demo.html)
  --seed N         random seed, to repeat a run
  -h, --help       this help

Environment:
  REDIS_HOT_URL, REDIS_WARM_URL   use these Redis servers instead of starting redis-server
                                  (the demo removes its keys from them afterwards)
  DATABASE_URL                    use this PostgreSQL (a table of the demo's own, dropped at the end)
  TIERCACHE_CACHE_DIR             where the embedded PostgreSQL keeps its initialised files
                                  (default ~/.cache/tiercache)

Exit status: 0 when no stale read was observed, 1 when one was or the run failed, 2 on bad
arguments, 130 when interrupted.`

export const demoCommand: Command = {
  async run(argv) {
    const { flags, help } = parseCommand('demo', argv, {
      duration: { type: 'string' },
      baseline: { type: 'string' },
      warmup: { type: 'string' },
      instances: { type: 'string' },
      rate: { type: 'string' },
      writes: { type: 'string' },
      products: { type: 'string' },
      popular: { type: 'string' },
      skew: { type: 'string' },
      listings: { type: 'string' },
      report: { type: 'string' },
      seed: { type: 'string' },
    })
    if (help) {
      console.log(HELP)
      return 0
    }
    const baseline = stringFlag(flags, 'baseline')
    const warmup = stringFlag(flags, 'warmup')
    const durationMs = durationFlag(flags, 'duration', 'demo', { fallbackMs: 15_000, minMs: 1000 })
    const options = {
      durationMs,
      baselineMs:
        baseline !== undefined && Number(baseline) === 0
          ? 0
          : durationFlag(flags, 'baseline', 'demo', { fallbackMs: durationMs, minMs: 1000 }),
      maxWarmupMs:
        warmup !== undefined && Number(warmup) === 0
          ? 0
          : durationFlag(flags, 'warmup', 'demo', { fallbackMs: 30_000, minMs: 1000 }),
      instances: integerFlag(flags, 'instances', 'demo', { fallback: 3, min: 1, max: 32 }),
      rate: integerFlag(flags, 'rate', 'demo', { fallback: 2500, min: 1, max: 1_000_000 }),
      writeRate: integerFlag(flags, 'writes', 'demo', { fallback: 20, min: 1, max: 10_000 }),
      products: integerFlag(flags, 'products', 'demo', { fallback: 100_000, min: 10, max: 10_000_000 }),
      popular: integerFlag(flags, 'popular', 'demo', { fallback: 1000, min: 1, max: 10_000_000 }),
      skew: numberFlag(flags, 'skew', 'demo', { fallback: 0.9, min: 0, max: 1 }),
      listingShare: numberFlag(flags, 'listings', 'demo', { fallback: 0.05, min: 0, max: 1 }),
      reportPath: stringFlag(flags, 'report') ?? 'reports/tiercache-demo.html',
      seed: integerFlag(flags, 'seed', 'demo', {
        fallback: Date.now() % 1_000_000,
        min: 0,
        max: 2 ** 31 - 1,
      }),
      databaseUrl: process.env.DATABASE_URL || undefined,
      hotUrl: process.env.REDIS_HOT_URL || undefined,
      warmUrl: process.env.REDIS_WARM_URL || undefined,
    }
    if (options.popular > options.products)
      throw new UsageError(
        `--popular (${options.popular}) cannot exceed --products (${options.products})`,
        'demo',
      )
    // Loaded only now: --help and bad arguments need neither the Redis nor the PostgreSQL clients.
    const { runDemo } = await import('./run.js')
    return runDemo(options)
  },
}
