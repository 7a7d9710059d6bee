// Checks the built package as a user loads it: every subpath of package.json `exports` through ESM and
// CommonJS, and that the subpath modules share the root module's classes (one copy of the library, not
// two). A subpath added to `exports` fails here until it is listed in EXPECTED_EXPORTS or TYPES_ONLY.
import { createRequire } from 'node:module'
import Fastify from 'fastify'
import { exportedModuleSubpaths } from './lib/package-root.mjs'

/** Per subpath, a name it must export. */
const EXPECTED_EXPORTS = {
  './keyv': 'tiercacheStore',
  './fastify': 'tiercachePlugin',
  './otel': 'instrumentTiercache',
  './geo': 'geoCache',
  './prometheus': 'prometheusMetrics',
  './policies': 'createWTinyLfuPolicy',
  './diagnostics': 'channelNames',
}
/** Subpaths of types only: they load, and export nothing at run time. */
const TYPES_ONLY = new Set(['./types'])

const require = createRequire(import.meta.url)
const root = await import('tiercache')
const rootCjs = require('tiercache')
for (const subpath of exportedModuleSubpaths().filter((subpath) => subpath !== '.')) {
  const specifier = `tiercache${subpath.slice(1)}`
  const esm = await import(specifier)
  const cjs = require(specifier)
  if (TYPES_ONLY.has(subpath)) continue
  const name = EXPECTED_EXPORTS[subpath]
  if (name === undefined)
    throw new Error(`package.json exports ${subpath}, which scripts/check-subpaths.mjs does not check yet`)
  if (esm[name] === undefined || cjs[name] === undefined)
    throw new Error(`${specifier} does not export ${name} in both module systems`)
}

const app = Fastify()
await app.register((await import('tiercache/fastify')).tiercachePlugin, {
  options: { namespace: 'check', tiers: [root.memoryTier()] },
})
await app.ready()
if (!(app.cache instanceof root.TierCache))
  throw new Error('tiercache/fastify made its cache from a second copy')
await app.close()

/** Runs `fails` and checks it threw the root module's InvalidOptionError, not a second copy's. */
function throwsRootError(where, InvalidOptionError, fails) {
  try {
    fails()
  } catch (error) {
    if (error instanceof InvalidOptionError) return
    throw new Error(`${where} threw an error of a second copy of the library: ${error}`)
  }
  throw new Error(`${where} did not throw`)
}
for (const [system, load, rootModule] of [
  ['ESM', (subpath) => import(`tiercache/${subpath}`), root],
  ['CJS', async (subpath) => require(`tiercache/${subpath}`), rootCjs],
]) {
  const { geoTopology } = await load('geo')
  const { prometheusMetrics } = await load('prometheus')
  const { createWTinyLfuPolicy } = await load('policies')
  throwsRootError(`tiercache/geo (${system})`, rootModule.InvalidOptionError, () => geoTopology(null))
  const cache = rootModule.createCache({ tiers: [rootModule.memoryTier()] })
  throwsRootError(`tiercache/prometheus (${system})`, rootModule.InvalidOptionError, () =>
    prometheusMetrics(cache, { registry: null }),
  )
  await cache.close()
  throwsRootError(`tiercache/policies (${system})`, rootModule.InvalidOptionError, () =>
    createWTinyLfuPolicy({ windowShare: 2 }),
  )
}
console.log('subpath exports load as ESM and CJS and share the root module')
