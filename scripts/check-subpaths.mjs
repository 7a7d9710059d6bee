// Checks the built package as a user loads it: every subpath export through ESM and CommonJS, and
// that the subpath modules share the root module's classes (one copy of the library, not two).
import { createRequire } from 'node:module'
import Fastify from 'fastify'

const require = createRequire(import.meta.url)
const root = await import('tiercache')
const rootCjs = require('tiercache')
const subpaths = {
  keyv: 'tiercacheStore',
  fastify: 'tiercachePlugin',
  otel: 'instrumentTiercache',
  geo: 'geoCache',
  prometheus: 'prometheusMetrics',
  policies: 'createWTinyLfuPolicy',
  diagnostics: 'channelNames',
}
for (const [subpath, name] of Object.entries(subpaths)) {
  const esm = await import(`tiercache/${subpath}`)
  const cjs = require(`tiercache/${subpath}`)
  if (esm[name] === undefined || cjs[name] === undefined)
    throw new Error(`tiercache/${subpath} does not export ${name} in both module systems`)
}
// `tiercache/types` holds types only: it loads, and exports nothing at run time.
await import('tiercache/types')
require('tiercache/types')

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
  throwsRootError(`tiercache/prometheus (${system})`, rootModule.InvalidOptionError, () =>
    prometheusMetrics(rootModule.createCache({ tiers: [rootModule.memoryTier()] }), { registry: null }),
  )
  throwsRootError(`tiercache/policies (${system})`, rootModule.InvalidOptionError, () =>
    createWTinyLfuPolicy({ windowShare: 2 }),
  )
}
console.log('subpath exports load as ESM and CJS and share the root module')
