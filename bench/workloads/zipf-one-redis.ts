import type { Workload } from '../lib/workload.js'
import { zipf } from './zipf.js'

/**
 * The `zipf` workload with the same shape for every library: memory + exactly one Redis layer. In
 * `zipf` tiercache runs hot + warm Redis while bentocache and layered-loader have one Redis layer, so
 * that table has no like-for-like row; this one does.
 */
export const zipfOneRedis: Workload = {
  ...zipf,
  name: 'zipf-one-redis',
  title: 'Zipf(0.99) over 100,000 keys, 10,000-entry memory tier, one Redis tier (same shape for all)',
  description:
    '16 concurrent callers await `getOrLoad` on keys drawn Zipf(0.99) from 100,000 keys (a fixed ' +
    'sequence of 1,048,576 draws), starting with empty caches. The warm-up walks the whole sequence once ' +
    '(each caller its share), so the measured runs read only keys every library has loaded before: a ' +
    'warm cache, the same for all (the `zipf-cold` row measures misses). Every library ' +
    'runs the same layout: a **10,000-entry memory tier in front of one Redis tier** (1 h TTL). ' +
    'Loads/100k ops is how often the database would be asked; Notes give tiercache’s hit ratio per tier ' +
    'during the measured runs.',
  layout: 'memory+redis',
  scope: 'bench-zipf-one',
  targets: [
    { against: 'layered-loader', atLeast: 1.2 },
    { against: 'bentocache', atLeast: 2.5 },
    { against: 'cache-manager', atLeast: 2.5 },
    { against: 'layered-loader', atLeast: 1, metric: 'redis-cpu' },
  ],
}

/**
 * The same traffic from empty caches: every measured run starts with Redis flushed and a new library
 * instance (fresh memory tier), and is measured from its first request, so misses dominate.
 */
export const zipfCold: Workload = {
  ...zipfOneRedis,
  name: 'zipf-cold',
  title: 'Zipf(0.99) cold start: empty memory and Redis tiers, measured from the first request',
  description:
    'The `zipf-one-redis` traffic (16 callers, Zipf(0.99) over 100,000 keys, a 10,000-entry memory tier ' +
    'in front of one Redis tier for every library), but **each measured run starts from empty caches**: ' +
    'before it, the library is closed and created again and Redis is flushed (FLUSHALL), so the run is ' +
    'measured from the first request and misses dominate. A warm-up still runs once before the first ' +
    'measured run, so the code is optimized as in a running process. Notes give tiercache’s hit ratio ' +
    'per tier during its last measured run.',
  scope: 'bench-zipf-cold',
  coldStart: true,
  // Each run starts from empty caches anyway: the warm-up only has to get the code optimized.
  warmUpWholeOrder: false,
  targets: [],
}
