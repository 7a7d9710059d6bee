import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { NO_TAGS } from '../../src/entry.js'
import { estimateHeapBytes, stringBytes } from '../../src/tiers/memory/heap-size.js'
import { memoryEntryBytes, policyEntryBytes } from '../../src/tiers/memory/memory-accounting.js'
import { lruPolicy } from '../../src/tiers/memory/policies/lru.js'

const root = fileURLToPath(new URL('../..', import.meta.url))

describe('memory-tier byte accounting', () => {
  it('estimates strings, numbers and objects the way V8 lays them out (64-bit)', () => {
    expect(stringBytes('product:123456')).toBe(32)
    expect(stringBytes('é'.repeat(10))).toBe(32)
    expect(stringBytes('€'.repeat(10))).toBe(40)
    expect(estimateHeapBytes(42)).toBe(0)
    expect(estimateHeapBytes(0.5)).toBe(16)
    expect(estimateHeapBytes({ id: 1, sku: 'SKU-1', price: 2 })).toBe(56 + 24)
    const shared = { a: 1 }
    expect(estimateHeapBytes([shared, shared])).toBe(48 + 16 + 56)
  })

  it('counts key, value, envelope, record, settled promise and the policy share', () => {
    const entry = {
      value: 'v',
      version: 1,
      createdAt: 0,
      freshUntil: 1,
      staleUntil: 1,
      tags: NO_TAGS,
      tombstone: false,
    }
    const policy = policyEntryBytes(lruPolicy)
    const bytes = memoryEntryBytes('k', entry, true, policy)
    expect(bytes).toBe(24 + 24 + 104 + 144 + 40 + policy)
    expect(memoryEntryBytes('k', { ...entry, tags: ['t'] }, true, policy)).toBe(bytes + 56)
  })

  // The real heap, measured in a child process with a full GC, must stay within 5 % of maxBytes. It
  // measures bytes, not time: on a machine busy with other work the child took over 3 minutes.
  it('keeps the real heap of 200,000 small entries within 5 % of maxBytes, per policy', () => {
    const run = spawnSync(
      process.execPath,
      [
        '--expose-gc',
        '--import',
        'tsx',
        'scripts/measure-memory.ts',
        '--entries',
        '200000',
        '--tolerance',
        '5',
      ],
      { cwd: root, encoding: 'utf8', timeout: 600_000 },
    )
    expect(run.stderr).toBe('')
    expect(run.stdout).toMatch(/w-tinylfu/)
    expect(run.status).toBe(0)
  }, 620_000)
})
