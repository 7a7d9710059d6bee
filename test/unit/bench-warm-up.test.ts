import { describe, expect, it } from 'vitest'
import { createDataset } from '../../bench/lib/dataset.js'
import { walkWholeOrder } from '../../bench/lib/measure.js'
import { zipf } from '../../bench/workloads/zipf.js'
import { zipfCold, zipfOneRedis } from '../../bench/workloads/zipf-one-redis.js'

/**
 * The Zipf rows compare libraries on a warm cache. Measured runs restart at the callers' first
 * positions, so the warm-up must have asked for every key of the order, however fast the library.
 */
describe('bench warm-up through the whole key order', () => {
  it('asks for every key the order holds, each caller on its own share', async () => {
    const dataset = createDataset(5_000, 1 << 12, 0.99)
    const asked = new Set<string>()
    const ops = await walkWholeOrder(
      async (key) => {
        asked.add(key)
      },
      dataset,
      { callers: 16, batch: 32, yieldToEventLoop: true },
    )
    const inOrder = new Set(Array.from(dataset.order, (index) => dataset.keys[index]))
    expect(ops).toBe(dataset.order.length)
    expect(asked).toEqual(inOrder)
  })

  it('is what the warm Zipf rows use, and not the cold one', () => {
    expect(zipf.warmUpWholeOrder).toBe(true)
    expect(zipfOneRedis.warmUpWholeOrder).toBe(true)
    expect(zipfCold.warmUpWholeOrder).toBe(false)
  })
})
