import type { Entry } from '../../src/entry.js'

/** An untagged entry of `'v'`, version 1, fresh until 1 s after `now` with no grace; `fields` override. */
export function entryAt(now: number, fields: Partial<Entry> = {}): Entry {
  return {
    value: 'v',
    version: 1,
    createdAt: 0,
    freshUntil: now + 1000,
    staleUntil: now + 1000,
    tags: [],
    tombstone: false,
    ...fields,
  }
}
