import { describe, expect, test } from 'vitest'
import type { Entry } from '../../src/entry.js'
import { judge, needsTagCheck } from '../../src/stack/hit-rule.js'
import { entryAt } from '../support/entry.js'

const NOW = 10_000

function entry(fields: Partial<Entry>): Entry {
  return entryAt(NOW, fields)
}

describe('judge', () => {
  test('fresh before freshUntil, stale within grace, expired after it', () => {
    expect(judge(entry({}), NOW)).toBe('fresh')
    expect(judge(entry({ freshUntil: NOW, staleUntil: NOW + 1 }), NOW)).toBe('stale')
    expect(judge(entry({ freshUntil: NOW - 1, staleUntil: NOW }), NOW)).toBe('expired')
  })

  test('a tombstone is a tombstone whatever its times', () => {
    expect(judge(entry({ tombstone: true, value: undefined }), NOW)).toBe('tombstone')
    expect(judge(entry({ tombstone: true, freshUntil: 0, staleUntil: 0 }), NOW, false)).toBe('tombstone')
  })

  test('a fresh or stale entry with an invalidated tag is invalidated; an expired one stays expired', () => {
    const tagged = { tags: ['t'] }
    expect(judge(entry(tagged), NOW, false)).toBe('invalidated')
    expect(judge(entry({ ...tagged, freshUntil: NOW, staleUntil: NOW + 1 }), NOW, false)).toBe('invalidated')
    expect(judge(entry({ ...tagged, freshUntil: 0, staleUntil: 0 }), NOW, false)).toBe('expired')
    expect(judge(entry(tagged), NOW, true)).toBe('fresh')
    // Without tags there is nothing to invalidate.
    expect(judge(entry({}), NOW, false)).toBe('fresh')
  })

  test('only a fresh or stale entry with tags needs its tags checked', () => {
    const tagged = entry({ tags: ['t'] })
    expect(needsTagCheck(tagged, judge(tagged, NOW))).toBe(true)
    expect(needsTagCheck(entry({}), 'fresh')).toBe(false)
    expect(needsTagCheck(tagged, 'expired')).toBe(false)
    expect(needsTagCheck(tagged, 'tombstone')).toBe(false)
  })
})
