import { expect } from 'vitest'

/**
 * Reads the demo's printed tables back: the table whose header matches `header`, as rows of trimmed
 * cells (the header row first), cut at the columns the rule line under the header marks.
 */
export function textTable(output: string, header: RegExp): string[][] {
  const lines = output.split('\n')
  const start = lines.findIndex((line) => header.test(line))
  if (start < 0) throw new Error(`no table with a header like ${header} in:\n${output}`)
  const rule = lines[start + 1] ?? ''
  const columns = [...rule.matchAll(/─+/g)].map((match) => [match.index, match.index + match[0].length])
  const rows: string[][] = []
  for (const line of [lines[start] as string, ...lines.slice(start + 2)]) {
    if (line.trim() === '' || line.startsWith('* ')) break
    rows.push(
      columns.map(([from, to], i) =>
        // The last column runs to the end of the line; the others to the start of the next one.
        line.slice(from, i === columns.length - 1 ? undefined : (columns[i + 1]?.[0] ?? to)).trim(),
      ),
    )
  }
  return rows
}

/** The row of a printed table whose first cell is `label`. */
function row(table: readonly string[][], label: string): string[] {
  const found = table.find((cells) => cells[0] === label)
  if (!found) throw new Error(`no row "${label}" in ${JSON.stringify(table)}`)
  return found
}

const number = (cell: string | undefined) => Number((cell ?? '').replace(/[^\d.]/g, ''))
const leadingCount = (cell: string | undefined) => Number(/^[\d,]+/.exec(cell ?? '')?.[0].replace(/,/g, ''))

/**
 * Checks that the printed figures agree with each other: the tier table with the comparison, the
 * answered shares with 100 %, reads per request with reads and requests, the headline with the table.
 */
export function checkFiguresAgree(output: string): void {
  const tiers = textTable(output, /^tier\s+hits/)
  const comparison = textTable(output, /^\s+with tiercache/)
  const runs = (comparison[0] ?? []).length - 1
  const served = row(comparison, 'requests served').slice(1).map(leadingCount)
  const reads = row(comparison, 'database reads').slice(1).map(leadingCount)
  const perRequest = row(comparison, 'database reads per request').slice(1).map(Number)
  const memory = row(tiers, 'memory')
  // Every request asks the memory tier once.
  expect(leadingCount(memory[1]) + leadingCount(memory[2])).toBe(served[0])
  // The database's reads are the same count in both tables.
  expect(leadingCount(row(tiers, 'database')[1])).toBe(reads[0])
  for (let run = 0; run < runs; run++) {
    expect(perRequest[run]).toBeCloseTo((reads[run] as number) / (served[run] as number), 3)
    const shares = ['answered from memory at once', 'after a Redis round trip', 'by a database read']
      .map((label) => number(row(comparison, label)[run + 1]))
      .filter((value) => Number.isFinite(value))
    expect(Math.abs(shares.reduce((total, value) => total + value, 0) - 100)).toBeLessThanOrEqual(0.2)
  }
  // Reads answered by the database are the database's reads (no background loads in the demo).
  const byDatabase = number(row(comparison, 'by a database read')[1])
  expect(byDatabase).toBeCloseTo((100 * (reads[0] as number)) / (served[0] as number), 0)
  // The headline quotes the table.
  const perSecond = row(comparison, 'requests per second').slice(1)
  const headline =
    /(?:At steady state|With tiercache) \(.*?\): ([\d,]+\/s) served, ([\d.]+) database reads per request, p99 ([\d.]+ (?:µs|ms))\./m.exec(
      output,
    )
  expect(headline?.[1]).toBe(perSecond[0])
  expect(headline?.[2]).toBe(perRequest[0]?.toFixed(3))
  expect(headline?.[3]).toBe(row(comparison, 'request latency p99')[1])
}

/** The report's tables as rows of cell texts (header first), by table class. */
export async function htmlTables(page: import('playwright-core').Page): Promise<Record<string, string[][]>> {
  return page.evaluate(`(() => {
    const tables = {}
    for (const table of document.querySelectorAll('table'))
      tables[table.className] = [...table.querySelectorAll('tr')].map((tr) =>
        [...tr.querySelectorAll('th, td')].map((cell) => cell.textContent.trim()))
    return tables
  })()`)
}

/**
 * Every text of every chart that reaches outside its chart, or overlaps another legend entry: a label
 * cut off ("requests/s, with c") or drawn over another.
 */
export async function textOutsideItsChart(page: import('playwright-core').Page): Promise<string[]> {
  return page.evaluate(`(() => {
    const problems = []
    for (const svg of document.querySelectorAll('svg.chart')) {
      const chart = svg.getBoundingClientRect()
      const name = svg.getAttribute('aria-label')
      const legends = []
      for (const text of svg.querySelectorAll('text')) {
        const box = text.getBoundingClientRect()
        if (box.left < chart.left - 0.5 || box.right > chart.right + 0.5 || box.top < chart.top - 0.5 || box.bottom > chart.bottom + 0.5)
          problems.push(name + ': "' + text.textContent + '" reaches outside the chart')
        if (text.classList.contains('legend')) legends.push({ text: text.textContent, box })
      }
      for (let i = 0; i < legends.length; i++)
        for (let j = i + 1; j < legends.length; j++) {
          const [a, b] = [legends[i].box, legends[j].box]
          if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom)
            problems.push(name + ': "' + legends[i].text + '" overlaps "' + legends[j].text + '"')
        }
    }
    return problems
  })()`)
}

/**
 * The boxes of the report's headings, tables, paragraphs and charts, rounded to 4 px so that a
 * sub-pixel difference in font rendering does not count: the page's layout, not its pixels.
 */
export async function layoutBoxes(page: import('playwright-core').Page): Promise<string[]> {
  return page.evaluate(`(() => {
    const round = (value) => Math.round(value / 4) * 4
    return [...document.querySelectorAll('h1, h2, p, table, svg.chart')].map((element) => {
      const box = element.getBoundingClientRect()
      const name = element.tagName.toLowerCase() + (element.getAttribute('class') ? '.' + element.getAttribute('class').split(' ')[0] : '')
      return name + ' ' + [box.left, box.top + window.scrollY, box.width, box.height].map(round).join(' ')
    })
  })()`)
}
