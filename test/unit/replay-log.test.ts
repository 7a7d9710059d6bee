import { describe, expect, test } from 'vitest'
import { ReplayLog } from '../../src/tiers/redis/replay-log.js'
import type { Fill } from '../../src/tiers/tier.js'
import { entryAt } from '../support/entry.js'

const fill = (key: string, version: number): Fill => ({
  key,
  entry: entryAt(0, { version }),
  payload: undefined,
  versioning: 'given',
  durable: true,
})

describe('ReplayLog', () => {
  test('drainMissed hands over the missed writes, newest version per key, and keeps the recent ones', () => {
    const log = new ReplayLog(5000, 10)
    log.acknowledged(fill('a', 1), 0)
    log.missedWrite(fill('b', 2))
    log.missedWrite(fill('b', 1))
    expect(log.drainMissed()).toEqual({ fills: [fill('b', 2)], overflowed: false })
    expect(log.pending).toBe(0)
    expect(log.drain(0).fills).toEqual([fill('a', 1)])
  })

  test('requeue puts writes back behind those missed since, never over a newer version', () => {
    const log = new ReplayLog(5000, 10)
    log.missedWrite(fill('a', 1))
    log.missedWrite(fill('b', 1))
    const { fills } = log.drainMissed()
    log.missedWrite(fill('a', 1)) // the write tried again, and missed again
    log.missedWrite(fill('c', 1))
    log.missedWrite(fill('b', 3))
    log.requeue([...fills.slice(1), fills[0] as Fill])
    expect(log.drainMissed().fills).toEqual([fill('c', 1), fill('b', 3), fill('a', 1)])
  })

  test('an overflow is handed over once; lostTrack brings it back when the clear that answered it failed', () => {
    const log = new ReplayLog(5000, 2)
    for (const key of ['a', 'b', 'c']) log.missedWrite(fill(key, 1))
    expect(log.drainMissed().overflowed).toBe(true)
    expect(log.pending).toBe(0)
    log.lostTrack()
    expect(log.pending).toBe(1)
    expect(log.drain(0).overflowed).toBe(true)
  })
})
