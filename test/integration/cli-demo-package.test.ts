import { execFile } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'tsup'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { demoDependencies } from '../support/build-cli.js'

/**
 * `tiercache demo` as installed from the registry, where the demo is the tiercache-demo package: the
 * command is bundled with tiercache-demo left to be resolved at run time, into directories outside the
 * repository, one without the demo package and one with it built into its node_modules.
 */
let outside: string
const withoutDemo = () => path.join(outside, 'without-demo')
const withDemo = () => path.join(outside, 'with-demo')
const source = (file: string) => fileURLToPath(new URL(`../../${file}`, import.meta.url))
const libraryDependencies = () =>
  Object.keys(
    (JSON.parse(readFileSync(source('package.json'), 'utf8')) as { dependencies: Record<string, string> })
      .dependencies,
  )

beforeAll(async () => {
  outside = mkdtempSync(path.join(tmpdir(), 'tiercache-demo-package-'))
  await build({
    config: false,
    entry: { cli: source('src/cli/index.ts') },
    external: ['tiercache-demo'],
    format: ['esm'],
    outDir: withoutDemo(),
    splitting: true,
    target: 'node20',
    silent: true,
  })
  cpSync(withoutDemo(), withDemo(), { recursive: true })
  const demoPackage = path.join(withDemo(), 'node_modules', 'tiercache-demo')
  await build({
    config: false,
    entry: { index: source('packages/demo/src/index.ts') },
    // As the package ships: its own copy of the CLI helpers (CliError among them) and of what they use,
    // the library and the demo's dependencies external.
    external: ['tiercache', ...demoDependencies()],
    noExternal: libraryDependencies().filter((name) => !demoDependencies().includes(name)),
    format: ['esm'],
    outDir: path.join(demoPackage, 'dist'),
    splitting: true,
    target: 'node20',
    silent: true,
  })
  mkdirSync(demoPackage, { recursive: true })
  writeFileSync(
    path.join(demoPackage, 'package.json'),
    JSON.stringify({ name: 'tiercache-demo', type: 'module', exports: './dist/index.js' }),
  )
}, 60_000)
afterAll(() => rmSync(outside, { recursive: true, force: true }))

function run(
  directory: string,
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(directory, 'cli.js'), ...args],
      { cwd: directory },
      (error, stdout, stderr) => {
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr })
      },
    )
  })
}

const NOT_INSTALLED =
  'tiercache demo: the demo is a package of its own, not installed here: run "npm install tiercache-demo" next to tiercache, or "npm ci" then "npm run demo" in a clone of the repository\n'

test('without the demo package, `tiercache demo` says in one line how to get it, and fails', async () => {
  for (const args of [['demo'], ['demo', '--help'], ['demo', '--duration', '3s']]) {
    const result = await run(withoutDemo(), args)
    expect(result.code, args.join(' ')).toBe(1)
    expect(result.stderr).toBe(NOT_INSTALLED) // one line: no stack trace
    expect(result.stdout).toBe('')
  }
  const list = await run(withoutDemo(), ['--help'])
  expect(list.code).toBe(0)
  expect(list.stdout).toMatch(/^ {2}demo {8}run the seed's e-commerce stack/m)
}, 30_000)

test("with the demo package installed, the command runs it, and the demo's errors are the command's", async () => {
  const help = await run(withDemo(), ['demo', '--help'])
  expect(help.code).toBe(0)
  expect(help.stdout).toMatch(/^Usage: tiercache demo \[options\]/)
  // A usage error raised by the demo package's own copy of the CLI's error classes: exit status 2.
  const usage = await run(withDemo(), ['demo', '--products', '10', '--popular', '20'])
  expect(usage.stderr).toBe(
    'tiercache demo: --popular (20) cannot exceed --products (10)\nRun "tiercache demo --help" for usage.\n',
  )
  expect(usage.code).toBe(2)
}, 30_000)
