import { describe, expect, test } from 'vitest'
import { createCache, memoryTier, systemClock } from '../../src/index.js'
import { CircuitBreaker } from '../../src/tiers/circuit-breaker.js'
import { ManualClock } from '../support/manual-clock.js'

describe('the clock option', () => {
  test('defaults to the system clock; anything without now() and monotonic() is refused', async () => {
    expect(systemClock.now()).toBeGreaterThan(Date.UTC(2024, 0, 1))
    expect(systemClock.monotonic()).toBeGreaterThan(0)
    for (const clock of [{ now: () => 0 }, () => 0, 'manual']) {
      expect(() => createCache({ tiers: [memoryTier()], clock: clock as never })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
      )
    }
  })

  test('a deletion is remembered in memory for the tombstone TTL of the clock', async () => {
    const clock = new ManualClock()
    const cache = createCache({ namespace: 'tomb', tiers: [memoryTier()], tombstoneTtl: '1s', clock })
    await cache.set('k', 'v')
    await cache.delete('k')
    expect(cache.stats().tiers[0]?.entries).toBe(1) // the tombstone
    clock.advance(1_000)
    expect(await cache.get('k')).toBeUndefined()
    expect(cache.stats().tiers[0]?.entries).toBe(0) // dropped once read past its end
    await cache.close()
  })
})

describe('the circuit breaker', () => {
  test('counts failures within its window by the clock', () => {
    const clock = new ManualClock()
    const states: string[] = []
    const breaker = new CircuitBreaker(
      { failureThreshold: 3, windowMs: 1_000, openMs: 60_000 },
      async () => true,
      (state) => states.push(state),
      clock,
    )
    breaker.failure()
    breaker.failure()
    clock.advance(1_000) // the first two fall out of the window
    breaker.failure()
    expect(breaker.state).toBe('closed')
    clock.advance(999)
    breaker.failure()
    breaker.failure()
    expect(breaker.state).toBe('open')
    expect(states).toEqual(['open'])
    breaker.dispose()
  })
})
