import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { expect, test } from 'vitest'

/**
 * Every relative link in README.md and docs/*.md points to a file or directory of the repository,
 * and an anchor into a Markdown page names one of its headings, so moving a section between pages
 * cannot leave a link behind.
 */
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..')
const pages = [
  path.join(root, 'README.md'),
  ...readdirSync(path.join(root, 'docs'))
    .filter((file) => file.endsWith('.md'))
    .map((file) => path.join(root, 'docs', file)),
]

test('the README and docs pages exist and link somewhere', () => {
  expect(pages.length).toBeGreaterThan(2)
  expect(pages.flatMap((page) => relativeLinks(readFileSync(page, 'utf8'))).length).toBeGreaterThan(20)
})

test.each(pages.map((page) => path.relative(root, page)))('every relative link in %s resolves', (page) => {
  const source = path.join(root, page)
  const broken = relativeLinks(readFileSync(source, 'utf8')).filter((link) => !resolves(source, link))
  expect(broken).toEqual([])
})

test('the docs index lists every page of docs/', () => {
  const index = path.join(root, 'docs', 'README.md')
  const listed = new Set(relativeLinks(readFileSync(index, 'utf8')).map((link) => link.split('#')[0]))
  const unlisted = pages
    .filter((page) => path.dirname(page) === path.dirname(index) && page !== index)
    .map((page) => path.basename(page))
    .filter((page) => !listed.has(page))
  expect(unlisted).toEqual([])
})

test('the anchor check knows a heading from a missing one', () => {
  const readme = path.join(root, 'README.md')
  expect(resolves(readme, '#install')).toBe(true)
  expect(resolves(readme, '#no-such-heading')).toBe(false)
  expect(resolves(readme, 'docs/no-such-page.md')).toBe(false)
})

/** The targets of a page's Markdown links (`[text](target)`) that stay inside the repository. */
function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '')
  return [...prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((match) => match[1] as string)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
}

/** Whether a link from `page` reaches an existing path (and, into a Markdown page, an existing heading). */
function resolves(page: string, link: string): boolean {
  const [target = '', anchor] = link.split('#')
  const file = target === '' ? page : path.resolve(path.dirname(page), decodeURIComponent(target))
  if (!file.startsWith(root) || !existsSync(file)) return false
  if (anchor === undefined || anchor === '') return true
  if (statSync(file).isDirectory() || !file.endsWith('.md')) return false
  return headingAnchors(readFileSync(file, 'utf8')).has(anchor)
}

/** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as hyphens. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>()
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '')
  for (const [, heading = ''] of prose.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-')
    let anchor = base
    for (let n = 1; anchors.has(anchor); n++) anchor = `${base}-${n}`
    anchors.add(anchor)
  }
  return anchors
}
