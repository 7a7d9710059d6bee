// PGlite and pg: installed next to tiercache (the demo's databases), both import beside it.
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { createCache, memoryTier } from 'tiercache'

if (typeof PGlite !== 'function') throw new Error('@electric-sql/pglite does not export PGlite')
if (typeof pg.Pool !== 'function') throw new Error('pg does not export Pool')
await createCache({ namespace: 'databases', tiers: [memoryTier()] }).close()
console.log('@electric-sql/pglite and pg: import next to tiercache')
