import type { Workload } from '../lib/workload.js'
import { layeredLoaderSubject } from '../libraries/layered-loader.js'
import { lruCacheRawSubject } from '../libraries/lru-cache-raw.js'
import { tiercacheSubject } from '../libraries/tiercache.js'

/**
 * L1-hit throughput as the memory tier grows: 10k, 100k and 1M keys, all held in memory, read in a
 * pseudo-random order over every key. bentocache and cache-manager are left out here: filling a
 * million keys through their APIs takes minutes, and their L1-hit figures are in the l1-hit table.
 */
function l1Scale(keys: number, label: string): Workload {
  return {
    name: `l1-scale-${label}`,
    title: `L1-hit getOrLoad with ${keys.toLocaleString('en')} keys in memory`,
    description:
      `One caller awaits \`getOrLoad\` over ${keys.toLocaleString('en')} keys, all held in a memory tier sized for them ` +
      '(memory only, no Redis), in a pseudo-random order that visits every key, yielding to the event loop every 256 calls. ' +
      'Shows how an L1 hit costs more as the working set outgrows the CPU caches.',
    keyCount: keys,
    orderLength: 2 ** Math.ceil(Math.log2(keys * 2)),
    memoryEntries: keys,
    shape: { callers: 1, batch: 256, yieldToEventLoop: true },
    targets: [],
    layout: 'memory',
    scope: `bench-scale-${label}`,
    libraries: [tiercacheSubject, layeredLoaderSubject, lruCacheRawSubject],
    usesRedis: false,
  }
}

export const l1Scale10k = l1Scale(10_000, '10k')
export const l1Scale100k = l1Scale(100_000, '100k')
export const l1Scale1m = l1Scale(1_000_000, '1m')
