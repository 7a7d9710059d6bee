// Checks the built package as a user loads it: every subpath of package.json `exports` through ESM and
// CommonJS, and that the subpath modules share the root module's classes (one copy of the library, not
// two). A subpath added to `exports` fails here until it is listed in EXPECTED_EXPORTS.
import { createRequire } from 'node:module'
import Fastify from 'fastify'
import { exportedModuleSubpaths } from './lib/package-root.mjs'

/** Per subpath, a function it must export. */
const EXPECTED_EXPORTS = {
  './keyv': 'tiercacheStore',
  './fastify': 'tiercachePlugin',
  './otel': 'instrumentTiercache',
}

const require = createRequire(import.meta.url)
const root = await import('tiercache')
for (const subpath of exportedModuleSubpaths().filter((subpath) => subpath !== '.')) {
  const name = EXPECTED_EXPORTS[subpath]
  if (name === undefined)
    throw new Error(`package.json exports ${subpath}, which scripts/check-subpaths.mjs does not check yet`)
  const specifier = `tiercache${subpath.slice(1)}`
  const esm = await import(specifier)
  const cjs = require(specifier)
  if (typeof esm[name] !== 'function' || typeof cjs[name] !== 'function')
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
console.log('subpath exports load as ESM and CJS and share the root module')
