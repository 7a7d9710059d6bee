import type { Workload } from '../lib/workload.js'
import { bentocacheSubject } from '../libraries/bentocache.js'
import { cacheManagerSubject } from '../libraries/cache-manager.js'
import { layeredLoaderSubject } from '../libraries/layered-loader.js'
import { tiercacheSubject } from '../libraries/tiercache.js'
import { missPath } from './miss-path.js'

/**
 * The miss path with the same shape for every library: memory → one Redis tier → loader. In
 * `miss-path` tiercache runs two Redis tiers while bentocache and layered-loader have one.
 */
export const missPathOneRedis: Workload = {
  ...missPath,
  name: 'miss-path-one-redis',
  title: 'Miss path, one Redis tier: memory → Redis → loader',
  description:
    'One caller awaits `getOrLoad` for a key never asked before on every call (`product:<n>#<counter>`), ' +
    'so every call misses the memory tier and Redis and calls the loader, which answers at once. Every ' +
    'library runs the same layout: **memory + one Redis tier**.',
  layout: 'memory+redis',
  scope: 'bench-miss-one',
  targets: [
    { against: 'bentocache', atLeast: 1 },
    { against: 'layered-loader', atLeast: 0.9 },
    { against: 'layered-loader', atLeast: 1, metric: 'redis-cpu' },
  ],
  libraries: [tiercacheSubject, bentocacheSubject, cacheManagerSubject, layeredLoaderSubject],
}
