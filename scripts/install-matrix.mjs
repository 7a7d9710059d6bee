// Installs the packed package (run after `npm run build`) into fresh projects next to the libraries
// users pair it with: each supported major of ioredis and node-redis, with the latest PGlite, pg and
// prom-client. Each install must succeed without a peer dependency conflict (ERESOLVE). Then small
// programs in each project use tiercache with those clients, as ES modules and as CommonJS, against a
// redis-server this script starts. Each program prints one line; any failure fails the script.
import { cpSync, readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { packPackage } from './lib/packed-package.mjs'
import { startRedisServer } from './lib/redis-server.mjs'
import { run } from './lib/run.mjs'
import { createTempProject, npmInstall } from './lib/temp-project.mjs'

const CLIENTS_5 = ['ioredis@5', 'redis@5']
const CLIENTS_6 = ['ioredis@6', 'redis@6']
/** Installed next to the clients, in their latest versions. */
const ALONGSIDE = ['@electric-sql/pglite@latest', 'pg@latest', 'prom-client@latest']
/** In scripts/install-matrix/, copied into each project and run there with REDIS_PORT set. */
const CLIENT_PROGRAMS = [
  'ioredis.mjs',
  'ioredis.cjs',
  'node-redis.mjs',
  'node-redis.cjs',
  'url.mjs',
  'url.cjs',
  'prometheus.mjs',
  'prometheus.cjs',
  'databases.mjs',
]
/** One project per major of the Redis clients, installed under their own names so npm checks the peer ranges. */
const PROJECTS = [
  { name: 'clients-5', install: [...CLIENTS_5, ...ALONGSIDE], programs: CLIENT_PROGRAMS },
  // @redis/client named too: what the README tells users of url tiers to install.
  { name: 'clients-6', install: [...CLIENTS_6, '@redis/client@6', ...ALONGSIDE], programs: CLIENT_PROGRAMS },
  // tiercache alone: memory tiers work, and a url tier says what to install.
  { name: 'alone', install: [], programs: ['alone.mjs'] },
]
const PROGRAM_TIMEOUT_MS = 60_000

const programsDirectory = path.join(path.dirname(fileURLToPath(import.meta.url)), 'install-matrix')
const failures = []
const packed = packPackage()
const redis = await startRedisServer()
try {
  for (const project of PROJECTS) checkProject(project)
} finally {
  await redis.stop()
  rmSync(packed.directory, { recursive: true, force: true })
}
if (failures.length > 0) {
  console.error(`\ninstall matrix failed: ${failures.join(', ')}`)
  process.exit(1)
}
console.log('install matrix passed')

function checkProject({ name, install, programs }) {
  const directory = createTempProject(name)
  try {
    const specs = [packed.tarball, ...install]
    try {
      npmInstall(directory, specs)
    } catch (error) {
      fail(`${name}: install`, error)
      return
    }
    console.log(`${name}: installed ${installedVersions(directory, install)}`)
    cpSync(programsDirectory, directory, { recursive: true })
    for (const program of programs) runProgram(name, directory, program)
  } finally {
    rmSync(directory, { recursive: true, force: true })
  }
}

function runProgram(projectName, directory, program) {
  try {
    const { stdout } = run(process.execPath, [program], {
      cwd: directory,
      env: { ...process.env, REDIS_PORT: String(redis.port) },
      timeoutMs: PROGRAM_TIMEOUT_MS,
    })
    console.log(`ok   ${projectName}: ${stdout.trim()}`)
  } catch (error) {
    fail(`${projectName}: ${program}`, error)
  }
}

function fail(name, error) {
  failures.push(name)
  console.error(`FAIL ${name}: ${error.message}`)
}

/** "ioredis 5.9.2, redis 5.12.4, …" as installed in the project's node_modules. */
function installedVersions(directory, specs) {
  return specs
    .map((spec) => spec.slice(0, spec.lastIndexOf('@')))
    .map((name) => {
      const manifest = path.join(directory, 'node_modules', name, 'package.json')
      return `${name} ${JSON.parse(readFileSync(manifest, 'utf8')).version}`
    })
    .join(', ')
}
