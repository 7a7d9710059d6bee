import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { renderReport } from '../../packages/demo/src/report/html.js'
import { PRESETS } from '../../src/cli/redis/presets.js'
import { launchChromium } from '../support/chromium.js'
import { runCli, startCli } from '../support/cli.js'
import {
  checkFiguresAgree,
  htmlTables,
  layoutBoxes,
  textOutsideItsChart,
  textTable,
} from '../support/demo-figures.js'
import { fixedDemoSummary } from '../support/demo-summary.js'
import { type RedisServer, startRedis } from '../support/redis-server.js'

/**
 * A demo run sized for a test: a few seconds, two instances, 500 products (100 popular). Few, so that
 * memory tiers get hits (and a latency to print) even when a busy machine serves only a hundred or
 * so requests in those seconds, as it did with 5,000 products.
 */
const SHORT = [
  '--duration',
  '3s',
  '--baseline',
  '2s',
  '--warmup',
  '10s',
  '--instances',
  '2',
  '--rate',
  '300',
  '--products',
  '500',
  '--popular',
  '100',
]
const NO_SERVERS = { REDIS_HOT_URL: '', REDIS_WARM_URL: '', DATABASE_URL: '' }
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

let scratch: string
beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'tiercache-demo-test-'))
})
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** A TMPDIR of its own for one demo run, to check that the run leaves nothing behind. */
function privateTmp(name: string): string {
  return mkdtempSync(path.join(scratch, `${name}-tmp-`))
}

function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    import('node:net').then(({ default: net }) => {
      const { hostname, port } = new URL(url)
      const socket = net.connect(Number(port), hostname)
      socket.setTimeout(500, () => {
        socket.destroy()
        resolve(false)
      })
      socket.on('error', () => resolve(false))
      socket.on('connect', () => {
        socket.destroy()
        resolve(true)
      })
    })
  })
}

test('without redis-server on PATH the demo says how to install it, or how to use running servers', async () => {
  const emptyPath = mkdtempSync(path.join(scratch, 'no-bin-'))
  const result = await runCli(['demo', ...SHORT], { ...NO_SERVERS, PATH: emptyPath })
  expect(result.code).toBe(1)
  expect(result.stderr).toMatch(/redis-server was not found on PATH/)
  expect(result.stderr).toMatch(/sudo apt-get install redis-server/)
  expect(result.stderr).toMatch(/brew install redis/)
  expect(result.stderr).toMatch(/REDIS_HOT_URL=redis:\/\/.* REDIS_WARM_URL=redis:\/\/.* npm run demo/)
})

describe('a short demo on the embedded PostgreSQL', () => {
  const report = () => path.join(scratch, 'report.html')
  let output = ''

  test('prints the tier table, the comparison and the stale read check, and cleans up', async () => {
    const tmp = privateTmp('pglite')
    const result = await runCli(['demo', ...SHORT, '--report', report()], { ...NO_SERVERS, TMPDIR: tmp })
    output = result.stdout
    expect(result.code, result.stderr).toBe(0)
    expect(output).toMatch(/stack: memory \(per instance\) → Redis hot → Redis warm → embedded \(PGlite\)/)
    expect(output).toMatch(
      /hot redis:\/\/127\.0\.0\.1:\d+ \(allkeys-lfu, no persistence; audit: fits its role\)/,
    )
    expect(output).toMatch(/warm redis:\/\/127\.0\.0\.1:\d+ \(volatile-lru, AOF; audit: fits its role\)/)
    for (const tier of ['memory', 'hot', 'warm'])
      expect(output).toMatch(
        new RegExp(`^${tier}\\s+[\\d,]+\\s+[\\d,]+\\s+[\\d.]+ %\\s+[\\d.]+ (µs|ms)`, 'm'),
      )
    expect(output).toMatch(/^database\s+[\d,]+ reads\s+[\d.]+ (µs|ms)/m)
    expect(output).toMatch(/^\s+with tiercache\s+without \(database only\)/m)
    expect(output).toMatch(/^requests served\s+[\d,]+\s+[\d,]+/m)
    expect(output).toMatch(/^database reads per request\s+0\.\d+\s+1\.000/m)
    expect(output).toMatch(/^database writes \(updates\)\s+[\d,]+ \([\d,]+\/s\)\s+[\d,]+ \([\d,]+\/s\)/m)
    expect(output).toMatch(/^(At steady state|NOT AT STEADY STATE)/m)
    expect(output).toMatch(
      /stale reads observed: 0 \(must be 0\) — [\d,]+ reads? of updated products checked/,
    )
    expect(output).toContain(`report: ${report()}`)
    expect(output).toMatch(/^tiercache demo: 2 instances × 300 requests\/s, 500 products/m)
    // Not a terminal: whole plain lines, a warm-up line, then the measured phase to its end.
    expect(result.stderr).toMatch(
      /^with tiercache warming up [\d.]+ s \(until hit ratios settle, at most 10 s\)/m,
    )
    expect(result.stderr).toMatch(/^with tiercache measuring \d+ % [\d.]+\/3 s {2}[\d,]+ served\/s/m)
    // Measured for the whole --duration, however long the hand-over from the warm-up took.
    const measured =
      /^with tiercache done: warm-up [\d.]+ s(?: \(not settled\))?, measured ([\d.]+) s$/m.exec(result.stderr)
    expect(Number(measured?.[1])).toBeGreaterThanOrEqual(3)
    expect(result.stderr.includes('\r') || result.stderr.includes('\u001b[')).toBe(false)
    expect(readdirSync(tmp)).toEqual([]) // redis files, read logs: all removed
  }, 180_000)

  test('the HTML report renders its charts in headless Chromium, with nothing fetched', async () => {
    expect(existsSync(report())).toBe(true)
    const browser = await launchChromium()
    try {
      const page = await browser.context.newPage()
      const requested: string[] = []
      await page.route('**/*', (route) => {
        const url = route.request().url()
        if (url.startsWith('file:')) return route.continue()
        requested.push(url)
        return route.abort()
      })
      await page.setViewportSize({ width: 1000, height: 900 })
      await page.goto(`file://${report()}`)
      const charts = page.locator('svg.chart')
      expect(await charts.count()).toBe(6)
      expect(await charts.nth(0).getAttribute('aria-label')).toBe(
        'What answered the requests, with tiercache',
      )
      expect(await charts.nth(0).locator('polygon.band').count()).toBe(3) // memory, Redis, database
      expect(await charts.nth(1).locator('path.series').count()).toBe(2) // requests/s with and without
      expect(await charts.nth(2).locator('path.series').count()).toBe(2) // database reads/s
      expect(await charts.nth(4).getAttribute('aria-label')).toBe('Event-loop delay p99 per instance')
      expect(await charts.nth(4).locator('path.series').count()).toBe(6) // 2 instances + writer, ×2 runs
      expect(await charts.nth(5).locator('rect.bar').count()).toBe(7) // requests ×2, tiers, database ×2
      expect(await textOutsideItsChart(page)).toEqual([])

      // Every figure of the report is the terminal's, and they add up.
      const reportTables = await htmlTables(page)
      expect(reportTables.comparison).toEqual(textTable(output, /^\s+with tiercache/))
      expect(reportTables.tiers).toEqual(textTable(output, /^tier\s+hits/))
      checkFiguresAgree(output)
      expect(await page.locator('.verdict.ok').textContent()).toMatch(/Stale reads observed: 0/)
      expect(requested).toEqual([])

      const screenshot = await page.screenshot({ fullPage: true })
      writeFileSync(path.join(scratch, 'report.png'), screenshot)
      const answered = await charts.nth(0).screenshot()
      const pixels = await countColors(page, answered, {
        memory: [0x2b, 0x8a, 0x3e],
        hot: [0xe8, 0x59, 0x0c],
      })
      expect(pixels.nonWhite / pixels.total).toBeGreaterThan(0.02) // not a blank picture
      expect(pixels.memory).toBeGreaterThan(50) // the memory tier's line was drawn
      expect(pixels.hot).toBeGreaterThan(50)
    } finally {
      await browser.close()
    }
  }, 60_000)
})

test('the report of fixed figures keeps its layout: charts, legends and tables where they were', async () => {
  const file = path.join(scratch, 'fixed.html')
  writeFileSync(
    file,
    renderReport(fixedDemoSummary(), { title: 'tiercache demo: fixed figures', lines: ['stack: fixed'] }),
  )
  const browser = await launchChromium()
  try {
    const page = await browser.context.newPage()
    await page.setViewportSize({ width: 1000, height: 900 })
    await page.goto(`file://${file}`)
    expect(await textOutsideItsChart(page)).toEqual([])
    writeFileSync(path.join(scratch, 'fixed.png'), await page.screenshot({ fullPage: true }))
    await expect((await layoutBoxes(page)).join('\n')).toMatchFileSnapshot(
      '__snapshots__/demo-report-layout.txt',
    )
  } finally {
    await browser.close()
  }
}, 60_000)

/**
 * Decodes a PNG in the page (a canvas does it, so no image library is needed) and counts the pixels
 * that are not white and those close to each of `colors`. Runs in the browser, hence plain JavaScript.
 */
const COUNT_COLORS = `async ({ base64, colors }) => {
  const image = new Image()
  image.src = 'data:image/png;base64,' + base64
  await image.decode()
  const canvas = document.createElement('canvas')
  canvas.width = image.width
  canvas.height = image.height
  const context = canvas.getContext('2d')
  context.drawImage(image, 0, 0)
  const data = context.getImageData(0, 0, canvas.width, canvas.height).data
  const counts = { nonWhite: 0, total: data.length / 4 }
  for (const name of Object.keys(colors)) counts[name] = 0
  for (let i = 0; i < data.length; i += 4) {
    const r = data[i], g = data[i + 1], b = data[i + 2]
    if (r < 240 || g < 240 || b < 240) counts.nonWhite++
    for (const [name, [cr, cg, cb]] of Object.entries(colors)) {
      if (Math.abs(r - cr) + Math.abs(g - cg) + Math.abs(b - cb) < 40) counts[name]++
    }
  }
  return counts
}`

async function countColors(
  page: import('playwright-core').Page,
  png: Buffer,
  colors: Record<string, [number, number, number]>,
): Promise<Record<string, number> & { nonWhite: number; total: number }> {
  const argument = JSON.stringify({ base64: png.toString('base64'), colors })
  return page.evaluate(`(${COUNT_COLORS})(${argument})`)
}

test('Ctrl-C stops the demo: instances and redis-server children gone, temporary files removed', async () => {
  const tmp = privateTmp('interrupted')
  const demo = startCli(['demo', ...SHORT, '--duration', '20s'], { ...NO_SERVERS, TMPDIR: tmp })
  // The first progress line with figures: instances and servers are all up and serving.
  await demo.waitFor(/with tiercache (warming up|measuring) .*\s+[\d,]+ served\/s/, 120_000)
  const urls = [...demo.output().matchAll(/(hot|warm) (redis:\/\/127\.0\.0\.1:\d+)/g)].map(
    (m) => m[2] as string,
  )
  expect(urls).toHaveLength(2)
  demo.child.kill('SIGINT')
  const result = await demo.exited
  expect(result.code).toBe(130)
  expect(result.stderr).toMatch(/SIGINT: stopping the demo and cleaning up/)
  for (const url of urls) expect(await answers(url)).toBe(false)
  expect(readdirSync(tmp)).toEqual([])
}, 180_000)

describe('on servers it did not start (PostgreSQL, Redis tiers)', () => {
  let hot: RedisServer
  let warm: RedisServer
  let admin: pg.Client
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000 })
    try {
      await admin.connect()
    } catch (error) {
      throw new Error(
        `this test needs PostgreSQL at ${databaseUrl} (set DATABASE_URL): "sudo apt-get install postgresql". ${String(error)}`,
      )
    }
    const [hotPreset, warmPreset] = PRESETS['hot-warm']
    ;[hot, warm] = await Promise.all([
      startRedis({ args: [...hotPreset.args] }),
      startRedis({ args: [...warmPreset.args] }),
    ])
  })
  afterAll(async () => {
    await admin?.end()
    await Promise.all([hot?.stop(), warm?.stop()])
  })

  test('uses DATABASE_URL and REDIS_*_URL, then drops its table and removes its keys', async () => {
    const result = await runCli(
      ['demo', ...SHORT, '--baseline', '0', '--report', path.join(scratch, 'pg.html')],
      {
        DATABASE_URL: databaseUrl,
        REDIS_HOT_URL: hot.url,
        REDIS_WARM_URL: warm.url,
      },
    )
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/→ Redis warm → PostgreSQL/)
    expect(result.stdout).toContain(`hot ${hot.url}`)
    expect(result.stdout).toMatch(/stale reads observed: 0 \(must be 0\)/)
    expect(result.stdout).not.toMatch(/without \(database only\)/)
    const tables = await admin.query(
      "SELECT tablename FROM pg_tables WHERE tablename LIKE 'tiercache_demo_%'",
    )
    expect(tables.rows).toEqual([])
    for (const [server, prefix] of [
      [hot, 'hot:shop:*'],
      [warm, 'warm:shop:*'],
    ] as const) {
      const [, keys] = (await server.command('SCAN', '0', 'MATCH', prefix, 'COUNT', '100000')) as [
        string,
        string[],
      ]
      expect(keys).toEqual([])
    }
  }, 180_000)
})
