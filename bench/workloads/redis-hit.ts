import type { Workload } from '../lib/workload.js'
import { bentocacheSubject } from '../libraries/bentocache.js'
import { cacheManagerSubject } from '../libraries/cache-manager.js'
import { layeredLoaderSubject } from '../libraries/layered-loader.js'
import { nodeRedisJsonRawSubject } from '../libraries/node-redis-json-raw.js'
import { nodeRedisRawSubject } from '../libraries/node-redis-raw.js'
import { tiercacheSubject } from '../libraries/tiercache.js'

/**
 * The shared-tier path: no memory tier, many concurrent callers, every key already in Redis. This is
 * where batching (design principle 4) shows: concurrent reads in one tick may share a round trip.
 * The raw node-redis GET row is the ceiling for one connection; GET + JSON.parse is the floor any cache
 * that decodes its values pays.
 */
export const redisHit: Workload = {
  name: 'redis-hit',
  title: 'Redis-hit getOrLoad, 64 concurrent callers',
  description:
    '64 concurrent callers (async loops) each await `getOrLoad` on keys drawn from 1,000 keys in a ' +
    'fixed pseudo-random order. Every library is configured with **one Redis tier and no memory ' +
    'tier**, pre-populated, so every call is a Redis hit. `node-redis GET (raw)` is a bare client ' +
    '`GET` with the same 64 callers, the ceiling for one connection; `node-redis GET + JSON.parse (raw)` ' +
    'adds the `JSON.parse` every cache must do, the fair floor. Redis cmds/op counts the commands ' +
    'the server processed per operation.',
  keyCount: 1000,
  shape: { callers: 64, batch: 16 },
  targets: [
    { against: 'node-redis GET (raw)', atLeast: 0.5 },
    { against: 'node-redis GET + JSON.parse (raw)', atLeast: 1 },
    { against: 'best-peer', atLeast: 3 },
  ],
  layout: 'redis',
  scope: 'bench-redis',
  libraries: [
    tiercacheSubject,
    bentocacheSubject,
    cacheManagerSubject,
    layeredLoaderSubject,
    nodeRedisRawSubject,
    nodeRedisJsonRawSubject,
  ],
  usesRedis: true,
}
