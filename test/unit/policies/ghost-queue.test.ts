import { describe, expect, it } from 'vitest'
import { GhostQueue } from '../../../src/tiers/memory/policies/ghost-queue.js'

describe('ghost queue', () => {
  it('finds a hash added within the last `capacity` additions, once', () => {
    const ghosts = new GhostQueue()
    ghosts.capacity = 3
    for (const hash of [1, 2, 3]) ghosts.add(hash)
    expect(ghosts.take(2)).toBe(true)
    expect(ghosts.take(2)).toBe(false)
    ghosts.add(4) // 1 is now four additions old
    expect(ghosts.take(1)).toBe(false)
    expect(ghosts.take(3)).toBe(true)
    expect(ghosts.take(5)).toBe(false)
  })

  it('keeps what it remembers while it grows, with hashes of every sign', () => {
    const ghosts = new GhostQueue()
    ghosts.capacity = 10_000
    const hashes = Array.from({ length: 10_000 }, (_, i) => Math.imul(i + 1, 0x9e3779b1))
    for (const hash of hashes) ghosts.add(hash)
    // Four slots per bucket and two slots per hash: a few are pushed out early, not many.
    const found = hashes.filter((hash) => ghosts.take(hash)).length
    expect(found).toBeGreaterThan(9_500)
  })

  it('forgets everything when cleared', () => {
    const ghosts = new GhostQueue()
    ghosts.capacity = 10
    ghosts.add(7)
    ghosts.clear()
    expect(ghosts.take(7)).toBe(false)
  })
})
