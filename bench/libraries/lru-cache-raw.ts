import { LRUCache } from 'lru-cache'
import { installedVersion, LIMITS, type LibrarySubject, library, type SubjectFactory } from './common.js'

/**
 * Not a cache library: a bare `lru-cache` `get` (the layout tiercache's LRU policy also uses) returned as a
 * resolved promise. The floor for an L1 hit in this loop: what is left after it is the caller loop's
 * own `await`, and the gap between it and a library is that library's own work per hit.
 */
export const lruCacheRawSubject: SubjectFactory = library(
  'lru-cache get (floor)',
  async ({ dataset, memoryEntries }) => {
    const max = memoryEntries ?? LIMITS.memoryEntries
    const lru = new LRUCache<string, object>({ max })
    for (const key of dataset.keys) lru.set(key, dataset.load(key))
    const subject: LibrarySubject = {
      kind: 'baseline',
      version: installedVersion('lru-cache'),
      config: `new LRUCache({ max: ${max} }), Promise.resolve(lru.get(key)); no TTL check, no loader`,
      op: (key: string) => Promise.resolve(lru.get(key)),
      async close() {
        lru.clear()
      },
    }
    return subject
  },
)
