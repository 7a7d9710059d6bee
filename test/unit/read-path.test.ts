import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import type { Entry } from '../../src/entry.js'
import { lookup, lookupKey } from '../../src/stack/read-path.js'
import type { Stored, Tier } from '../../src/tiers/tier.js'
import { TierCounters } from '../../src/tiers/tier-counters.js'
import { entryAt } from '../support/entry.js'

const NOW = 10_000

/** A tier holding at most one entry for the key under test; odd ones answer synchronously, as a memory tier does. */
function tierWith(stored: Stored | undefined, index: number): Tier {
  return {
    name: `t${index}`,
    kind: 'redis',
    ttlMs: undefined,
    counters: new TierCounters(),
    local: false,
    coordinator: undefined,
    read: (keys) => {
      const read = { entries: keys.map(() => stored) }
      return index % 2 === 1 ? read : Promise.resolve(read)
    },
    write: () => [],
    clear: () => undefined,
    close: () => undefined,
  }
}

const entryArbitrary: fc.Arbitrary<Stored | undefined> = fc.option(
  fc
    .record({
      version: fc.integer({ min: 1, max: 6 }),
      // Before, around and after NOW: expired, stale within grace, fresh.
      freshUntil: fc.constantFrom(NOW - 2000, NOW - 1, NOW + 1000),
      grace: fc.constantFrom(0, 5000),
      tombstone: fc.boolean(),
      tagged: fc.boolean(),
    })
    .map(({ version, freshUntil, grace, tombstone, tagged }): Stored => {
      const entry: Entry = {
        value: tombstone ? undefined : `v${version}`,
        version,
        createdAt: 0,
        freshUntil,
        staleUntil: freshUntil + grace,
        tags: tagged ? [`tag-${version}`] : [],
        tombstone,
      }
      return { entry }
    }),
  { nil: undefined },
)

describe('lookupKey', () => {
  test('property: answers as lookup does for the same single key, whether its tiers are asked together or in turn', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(entryArbitrary, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 6 }),
        fc.nat(3),
        async (contents, invalidVersion, fromSeed) => {
          const tiers = contents.map(tierWith)
          const from = fromSeed % tiers.length
          // Tags of one version count as invalidated.
          const checkTags = (entries: readonly Entry[]) =>
            Promise.resolve(entries.map((entry) => entry.version !== invalidVersion))
          const many = await lookup(tiers, ['k'], from, NOW, checkTags)
          const one = await lookupKey(tiers, 'k', from, NOW, checkTags, (found) => found)
          expect(one.hit).toEqual(many.hits.get('k'))
          expect(one.seen).toBe(many.seen?.get('k') ?? 0)
          if (one.hit === undefined) expect(one.stale).toEqual(many.stale.get('k'))
          const together = await lookupKey(tiers, 'k', from, NOW, checkTags, (found) => found, true)
          expect(together).toEqual(one)
        },
      ),
      { numRuns: 2000 },
    )
  })

  test('tiers asked together are all asked before any answers; an answer not needed may even fail unseen', async () => {
    const asked: number[] = []
    const fresh: Stored = { entry: entryAt(NOW) }
    const tiers = [fresh, undefined, undefined].map(
      (stored, index): Tier => ({
        ...tierWith(stored, index),
        read: (keys) => {
          asked.push(index)
          return index === 2
            ? Promise.reject(new Error('unneeded'))
            : Promise.resolve({ entries: keys.map(() => stored) })
        },
      }),
    )
    const ask = (together: boolean) =>
      lookupKey(
        tiers,
        'k',
        0,
        NOW,
        () => Promise.resolve([]),
        (found) => found,
        together,
      )
    const found = await ask(true)
    expect(found.hit?.tierIndex).toBe(0)
    expect(asked).toEqual([0, 1, 2])
    const inTurn = await ask(false)
    expect(inTurn).toEqual(found)
    expect(asked).toEqual([0, 1, 2, 0])
  })
})
