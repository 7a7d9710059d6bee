import type { Workload } from '../lib/workload.js'
import { bentocacheSubject } from '../libraries/bentocache.js'
import { cacheManagerSubject } from '../libraries/cache-manager.js'
import { layeredLoaderSubject } from '../libraries/layered-loader.js'
import { lruCacheRawSubject } from '../libraries/lru-cache-raw.js'
import { tiercacheSubject } from '../libraries/tiercache.js'

/**
 * The L1 fast path: every key is already in the in-process memory tier, so a `getOrLoad` should cost a
 * map lookup and a resolved promise. Libraries are set up as memory + Redis (the configuration they
 * would run with in production); the runner checks that no Redis command and no load happens while
 * measuring.
 */
export const l1Hit: Workload = {
  name: 'l1-hit',
  title: 'L1-hit getOrLoad',
  description:
    'One caller awaits `getOrLoad` (or the library’s equivalent) in a loop over 1,000 keys in a fixed ' +
    'pseudo-random order, letting the event loop run every 256 calls. Every library is configured as **memory L1 + Redis L2** and pre-populated, so ' +
    'every call is an L1 hit; the runner checks that no Redis command and no loader call happens while ' +
    'measuring. `lru-cache get (floor)` is a bare `lru-cache` lookup returned as a new resolved promise: ' +
    'the loop itself plus one strict-LRU hit, a reference point rather than a limit (an L1 that keeps a ' +
    'settled promise per entry, or whose hits do not reorder a list, goes below it).',
  keyCount: 1000,
  // One caller; the clock is read every 256 operations so reading it costs well under 1 %, and the
  // event loop gets a turn then too (timers and sockets of the libraries keep working).
  shape: { callers: 1, batch: 256, yieldToEventLoop: true },
  targets: [
    { against: 'bentocache', atLeast: 20 },
    { against: 'layered-loader', atLeast: 1.5 },
  ],
  layout: 'memory+redis',
  scope: 'bench-l1',
  libraries: [
    tiercacheSubject,
    bentocacheSubject,
    cacheManagerSubject,
    layeredLoaderSubject,
    lruCacheRawSubject,
  ],
  usesRedis: false,
}
