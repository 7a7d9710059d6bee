import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'tsup'
import { afterAll, beforeAll, expect, test } from 'vitest'

/**
 * `tiercache demo` where the tiercache-demo package is not installed, as for a user who installed only
 * the library: the command is bundled, with tiercache-demo left to be resolved at run time, into a
 * directory outside the repository, where no node_modules holds the demo.
 */
let outside: string
let cli: string

beforeAll(async () => {
  outside = mkdtempSync(path.join(tmpdir(), 'tiercache-no-demo-'))
  cli = path.join(outside, 'cli.js')
  await build({
    config: false,
    entry: { cli: fileURLToPath(new URL('../../src/cli/index.ts', import.meta.url)) },
    external: ['tiercache-demo'],
    format: ['esm'],
    outDir: outside,
    splitting: true,
    target: 'node20',
    silent: true,
  })
}, 60_000)
afterAll(() => rmSync(outside, { recursive: true, force: true }))

function runOutside(
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd: outside }, (error, stdout, stderr) => {
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr })
    })
  })
}

const NOT_INSTALLED =
  'tiercache demo: the demo is a package of its own, not installed here: run "npm install tiercache-demo" next to tiercache, or "npm ci" then "npm run demo" in a clone of the repository\n'

test('without the demo package, `tiercache demo` says in one line how to get it, and fails', async () => {
  for (const args of [['demo'], ['demo', '--help'], ['demo', '--duration', '3s']]) {
    const result = await runOutside(args)
    expect(result.code, args.join(' ')).toBe(1)
    expect(result.stderr).toBe(NOT_INSTALLED) // one line: no stack trace
    expect(result.stdout).toBe('')
  }
}, 30_000)

test('the command list still offers the demo', async () => {
  const result = await runOutside(['--help'])
  expect(result.code).toBe(0)
  expect(result.stdout).toMatch(/^ {2}demo {8}run the seed's e-commerce stack/m)
}, 30_000)
