import type { Workload } from '../lib/workload.js'
import { bentocacheSubject } from '../libraries/bentocache.js'
import { cacheManagerSubject } from '../libraries/cache-manager.js'
import { layeredLoaderSubject } from '../libraries/layered-loader.js'
import { seedHandwrittenSubject } from '../libraries/seed-handwritten.js'
import { tiercacheSubject } from '../libraries/tiercache.js'

/**
 * The miss path through the seed's section 10 stack: memory → hot Redis → warm Redis → loader, every
 * call for a key never asked before. The bar is the seed's own flow written by hand (Map + GET/GET/
 * SET/SET on one client): what versions, single-flight, leases and invalidation cost on a miss.
 */
export const missPath: Workload = {
  name: 'miss-path',
  title: 'Miss path: memory → hot → warm → loader',
  description:
    'One caller awaits `getOrLoad` for a key never asked before on every call (`product:<n>#<counter>`), ' +
    'so every call misses the memory tier and both Redis tiers and calls the loader, which answers at ' +
    'once. tiercache and cache-manager run **memory + hot Redis + warm Redis** (both Redis tiers on the ' +
    'bench server under different prefixes); bentocache and layered-loader have one Redis layer and run ' +
    'memory + Redis. `seed hand-written` is the seed tutorial’s section 10 flow by hand: `Map`, `GET` hot, ' +
    '`GET` warm, loader, `SET` hot, `SET` warm, one awaited command at a time.',
  keyCount: 1000,
  shape: { callers: 1, batch: 16, yieldToEventLoop: true },
  // As the Targets section holds it (bench/lib/targets.ts).
  targets: [
    { against: 'seed hand-written', atLeast: 1.3 },
    { against: 'seed hand-written', atLeast: 1, metric: 'redis-cpu' },
  ],
  layout: 'memory+hot+warm',
  scope: 'bench-miss',
  libraries: [
    tiercacheSubject,
    seedHandwrittenSubject,
    bentocacheSubject,
    cacheManagerSubject,
    layeredLoaderSubject,
  ],
  usesRedis: true,
  expectsLoads: true,
  freshKeys: true,
  populate: false,
}

/**
 * The same miss path with Redis one network hop away: every library reaches the bench server through a
 * link adding 1 ms each way (2 ms per round trip, as between availability zones). On loopback a miss is
 * mostly CPU; here it is mostly round trips, which the seed's flow makes one after the other.
 */
export const missPathLink: Workload = {
  ...missPath,
  name: 'miss-path-link',
  title: 'Miss path over a 2 ms link: memory → hot → warm → loader',
  description: `${missPath.description} Unlike \`miss-path\`, every library reaches Redis through a proxy (in a process of its own) that delays each chunk by 1 ms each way, so a round trip costs about 2 ms, as Redis on another host would. No target: this row shows what the round trips cost.`,
  targets: [],
  scope: 'bench-miss-link',
  linkDelayMs: 1,
}
