// Checks the package as it will be published (run after `npm run build`): the size of the packed
// tarball and of what `npm install` puts in a fresh project, then publint and Are the Types Wrong on
// every subpath of package.json `exports`. Runs every check, prints each result, exits 1 if any failed.
import { readdirSync, rmSync } from 'node:fs'
import path from 'node:path'
import { exportedModuleSubpaths, PACKAGE_ROOT } from './lib/package-root.mjs'
import { packPackage } from './lib/packed-package.mjs'
import { run } from './lib/run.mjs'
import { createTempProject, directoryBytes, npmInstall } from './lib/temp-project.mjs'

/** Largest packed tarball (`npm pack`), in bytes: 250 kB. */
const MAX_PACKED_BYTES = 250_000
/** Largest `node_modules` of a project that installed only tiercache, in bytes: 6 MB. */
const MAX_INSTALLED_BYTES = 6_000_000

const failures = []
const packed = packPackage()
try {
  check('packed size', () => checkPackedSize(packed.bytes))
  check('installed size', () => checkInstalledSize(packed.tarball))
  check('publint', checkPublint)
  check('types (attw)', () => checkTypes(packed.tarball))
} finally {
  rmSync(packed.directory, { recursive: true, force: true })
}
if (failures.length > 0) {
  console.error(`\npackage checks failed: ${failures.join(', ')}`)
  process.exit(1)
}
console.log('package checks passed')

function check(name, body) {
  try {
    body()
  } catch (error) {
    failures.push(name)
    console.error(`FAIL ${name}: ${error.message}`)
  }
}

function checkPackedSize(bytes) {
  const figure = `packed tarball ${kilobytes(bytes)} (${bytes} bytes, limit ${kilobytes(MAX_PACKED_BYTES)})`
  if (bytes > MAX_PACKED_BYTES) throw new Error(`${figure} is over the limit`)
  console.log(`ok   ${figure}`)
}

function checkInstalledSize(tarball) {
  const project = createTempProject('installed-size')
  try {
    npmInstall(project, [tarball])
    const bytes = directoryBytes(`${project}/node_modules`)
    const figure = `installed node_modules ${megabytes(bytes)} (${bytes} bytes, limit ${megabytes(MAX_INSTALLED_BYTES)})`
    if (bytes > MAX_INSTALLED_BYTES)
      throw new Error(`${figure} is over the limit; largest: ${largestPackages(`${project}/node_modules`)}`)
    console.log(`ok   ${figure}`)
  } finally {
    rmSync(project, { recursive: true, force: true })
  }
}

/** "@redis/client 4.10 MB, …": the five packages that take the most room, to say where to cut. */
function largestPackages(nodeModules) {
  return installedPackages(nodeModules)
    .map((name) => ({ name, bytes: directoryBytes(path.join(nodeModules, name)) }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 5)
    .map(({ name, bytes }) => `${name} ${megabytes(bytes)}`)
    .join(', ')
}

/** Top-level package directories of a node_modules (`@scope/name` for scoped ones). */
function installedPackages(nodeModules) {
  return readdirSync(nodeModules)
    .filter((name) => !name.startsWith('.'))
    .flatMap((name) =>
      name.startsWith('@')
        ? readdirSync(path.join(nodeModules, name)).map((scoped) => `${name}/${scoped}`)
        : [name],
    )
}

/** publint on the package directory; `--strict` fails on its warnings too, not only its errors. */
function checkPublint() {
  run('npx', ['--no', '--', 'publint', '--strict'], { cwd: PACKAGE_ROOT })
  console.log('ok   publint')
}

/**
 * Are the Types Wrong on the tarball, every subpath from package.json `exports` listed explicitly so a
 * subpath it could not discover still fails. Profile node16: TypeScript's node16/nodenext and bundler
 * resolution must find the right declarations for ESM and CJS; the legacy node10 resolution, which
 * ignores `exports` and so cannot see subpaths, is not checked.
 */
function checkTypes(tarball) {
  const subpaths = exportedModuleSubpaths()
  const args = ['--entrypoints', ...subpaths, '--profile', 'node16', '--format', 'ascii', '--no-emoji']
  run('npx', ['--no', '--', 'attw', tarball, ...args], { cwd: PACKAGE_ROOT })
  console.log(`ok   attw: ${subpaths.join(' ')}`)
}

function kilobytes(bytes) {
  return `${(bytes / 1000).toFixed(1)} kB`
}

function megabytes(bytes) {
  return `${(bytes / 1_000_000).toFixed(2)} MB`
}
