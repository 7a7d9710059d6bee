// Checks the built package as a user loads it: every subpath export through ESM and CommonJS, and
// that the subpath modules share the root module's classes (one copy of the library, not two).
import { createRequire } from 'node:module'
import Fastify from 'fastify'

const require = createRequire(import.meta.url)
const root = await import('tiercache')
const subpaths = { keyv: 'tiercacheStore', fastify: 'tiercachePlugin', otel: 'instrumentTiercache' }
for (const [subpath, name] of Object.entries(subpaths)) {
  const esm = await import(`tiercache/${subpath}`)
  const cjs = require(`tiercache/${subpath}`)
  if (typeof esm[name] !== 'function' || typeof cjs[name] !== 'function')
    throw new Error(`tiercache/${subpath} does not export ${name} in both module systems`)
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
