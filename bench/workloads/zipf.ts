import type { Workload } from '../lib/workload.js'
import { bentocacheSubject } from '../libraries/bentocache.js'
import { cacheManagerSubject } from '../libraries/cache-manager.js'
import { layeredLoaderSubject } from '../libraries/layered-loader.js'
import { tiercacheSubject } from '../libraries/tiercache.js'

/**
 * A realistic read mix: Zipf(0.99) popularity over 100,000 keys, a 10,000-entry memory tier in front
 * of two Redis tiers, once warm. Shows throughput, how the tiers share the hits, and how often
 * the loader (the database) is reached.
 */
export const zipf: Workload = {
  name: 'zipf',
  title: 'Zipf(0.99) over 100,000 keys, 10,000-entry memory tier, two Redis tiers',
  description:
    '16 concurrent callers await `getOrLoad` on keys drawn Zipf(0.99) from 100,000 keys (a fixed ' +
    'sequence of 1,048,576 draws), starting with empty caches. The warm-up walks the whole sequence once ' +
    '(each caller its share), so the measured runs read only keys every library has loaded before: a ' +
    'warm cache, the same for all (the `zipf-cold` row measures misses). Every library ' +
    'has a **10,000-entry memory tier**; tiercache and cache-manager then have a hot Redis (tiercache: ' +
    '30 s TTL) and a warm Redis (1 h), bentocache and layered-loader one Redis layer. Loads/100k ops is ' +
    'how often the database would be asked; Notes give tiercache’s hit ratio per tier during the ' +
    'measured runs.',
  keyCount: 100_000,
  distribution: { zipf: 0.99 },
  orderLength: 1 << 20,
  memoryEntries: 10_000,
  shape: { callers: 16, batch: 32 },
  // As the Targets section holds it (bench/lib/targets.ts).
  targets: [{ against: 'layered-loader', atLeast: 1 }],
  layout: 'memory+hot+warm',
  scope: 'bench-zipf',
  libraries: [tiercacheSubject, bentocacheSubject, cacheManagerSubject, layeredLoaderSubject],
  usesRedis: true,
  expectsLoads: true,
  populate: false,
  warmUpWholeOrder: true,
}
