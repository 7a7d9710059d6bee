import { describe, expect, test } from 'vitest'
import { fillLoaded } from '../../src/load/entries.js'
import { resolveCacheOptions, WriteOptionsResolver } from '../../src/options.js'
import { TierStack } from '../../src/stack/tier-stack.js'
import { memoryTier } from '../../src/tiers/memory/memory-tier.js'
import { tierContext } from '../support/tier-context.js'

/**
 * Fills `size` loaded keys through a memory-tier stack and counts how often fillLoaded reads the
 * flights' `key` and `invalidated` fields: the work that grew with the square of a getMany's size.
 */
async function flightReads(size: number): Promise<number> {
  const definition = memoryTier({ maxEntries: size * 2 })
  const options = resolveCacheOptions({ tiers: [definition] }, [definition])
  const tier = definition.create(tierContext(options))
  const stack = new TierStack([tier], undefined, async (entries) => entries.map(() => true))
  let reads = 0
  const startedAt = performance.now()
  const flights = Array.from({ length: size }, (_, i) => ({
    startedAt,
    get key() {
      reads++
      return `k${i}`
    },
    get invalidated() {
      reads++
      return i === 0
    },
  }))
  const loaded = Array.from({ length: size }, (_, i) => [`k${i}`, i] as const)
  const resolved = new WriteOptionsResolver(options).resolve(undefined)
  await fillLoaded(stack, options, loaded, 1, resolved, flights)
  expect(stack.l1?.readSync('k1', Date.now())?.value).toBe(1)
  expect(stack.l1?.readSync('k0', Date.now())).toBeUndefined() // invalidated while loading
  return reads
}

describe('fillLoaded', () => {
  test('does work linear in the number of keys (8× the keys: at most 10× the work)', async () => {
    const small = await flightReads(1000)
    const large = await flightReads(8000)
    expect(large / small).toBeLessThanOrEqual(10)
  })
})
