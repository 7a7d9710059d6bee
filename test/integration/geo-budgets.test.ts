import { afterAll, beforeAll, expect, test } from 'vitest'
import { type GeoCache, geoCache } from '../../src/entries/geo.js'
import { servedBy } from '../support/fixtures.js'
import { type GeoHierarchy, startGeoHierarchy } from '../support/geo-hierarchy.js'
import { waitFor } from '../support/wait.js'

/** Round trips through the proxies: local 1 ms, regional 10 ms, global 30 ms. */
const ROUND_TRIPS = { local: 1, regional: 10, global: 30 }

let hierarchy: GeoHierarchy
const open: GeoCache[] = []

beforeAll(async () => {
  hierarchy = await startGeoHierarchy(ROUND_TRIPS)
})
afterAll(async () => {
  await Promise.all(open.map((cache) => cache.close()))
  await hierarchy?.stop()
})

test('a level slower than its budget is passed over, then skipped without waiting until it is fast again', async () => {
  const options = {
    namespace: 'budgets',
    memory: false as const,
    local: { budget: '20ms' },
    regional: { budget: '100ms', breaker: { failureThreshold: 3, openMs: 200 } },
    global: { budget: '500ms' },
  }
  const usWest = geoCache(hierarchy.topology, { ...options, dataCenter: 'us-west' })
  const usEast = geoCache(hierarchy.topology, { ...options, dataCenter: 'us-east' })
  open.push(usWest, usEast)
  await Promise.all([usWest.ready(), usEast.ready()])
  await usWest.set('quote:1', 'to be or not to be') // every level of every region holds it
  const localKey = 'local@us-east:budgets:quote:1'
  const timedRead = async () => {
    await hierarchy.server('us-east').redis.command('DEL', localKey) // so the read goes past the local tier
    const started = performance.now()
    const { source, value } = await servedBy(usEast, () => usEast.get('quote:1'))
    const ms = performance.now() - started
    await usEast.idle()
    return { source, value, ms }
  }
  expect(await timedRead()).toMatchObject({ source: 'regional', value: 'to be or not to be' })

  const regional = () => usEast.budgets().find((budget) => budget.tier === 'regional')
  // Counted from here, and at least once a read: on a busy machine a round trip of the start-up or
  // of the read above may have gone over budget too (once, the first slow read counted twice).
  const overBefore = regional()?.overBudget ?? 0
  hierarchy.server('us').proxy.setDelay(250) // the regional level now answers in 500 ms
  for (let i = 1; i <= 3; i++) {
    const read = await timedRead()
    expect(read.source).toBe('global') // answered by the next level…
    expect(read.ms).toBeLessThan(250) // …after at most the budget, not the 500 ms round trip
    expect(regional()?.overBudget).toBeGreaterThanOrEqual(overBefore + i)
  }
  expect(regional()?.state).not.toBe('closed') // open, or half-open while a PING probes it
  const skipping = await timedRead()
  expect(skipping.source).toBe('global')
  expect(skipping.ms).toBeLessThan(100) // not even the budget is waited for
  expect(regional()?.skipped).toBeGreaterThanOrEqual(1)

  hierarchy.server('us').proxy.setDelay(ROUND_TRIPS.regional / 2)
  await waitFor(() => regional()?.state === 'closed', { what: 'the regional level back within budget' })
  expect((await timedRead()).source).toBe('regional')
})
