import { describe, expect, test } from 'vitest'
import type { Entry } from '../../src/entry.js'
import { InvalidOptionError } from '../../src/errors.js'
import { TierStack } from '../../src/stack/tier-stack.js'
import type { Coordinator, Fill, LocalTier, SharedTier, WriteOutcome } from '../../src/tiers/tier.js'
import { TierCounters } from '../../src/tiers/tier-counters.js'

const NOW = 10_000

/** A coordinator that issues `issued` to every write and counts its appointments. */
function fakeCoordinator(name: string): Coordinator & { appointments: number } {
  return {
    name,
    appointments: 0,
    appoint() {
      this.appointments++
    },
    readClock: () => Promise.resolve(1),
    remember: () => undefined,
    invalidateTags: () => Promise.resolve(1),
    readTagVersions: (tags) => Promise.resolve(tags.map(() => 0)),
    readEntryVersions: (keys) => Promise.resolve(keys.map(() => undefined)),
    acquireLease: () => Promise.resolve(undefined),
    releaseLease: () => Promise.resolve(false),
    bus: undefined,
  }
}

/** A shared tier that records the fills written to it and answers `issue` writes with version 42. */
function fakeShared(name: string, coordinator?: Coordinator): SharedTier & { written: Fill[] } {
  const written: Fill[] = []
  return {
    name,
    kind: 'redis',
    local: false,
    ttlMs: undefined,
    counters: new TierCounters(),
    coordinator,
    written,
    read: (keys) => Promise.resolve({ entries: keys.map(() => undefined) }),
    write: (fills): Promise<WriteOutcome[]> => {
      written.push(...fills)
      return Promise.resolve(
        fills.map((fill) => ({
          written: true,
          version: fill.versioning === 'issue' ? 42 : fill.entry.version,
        })),
      )
    },
    clear: () => undefined,
    close: () => undefined,
  }
}

/** A local tier that records the fills written to it. */
function fakeLocal(written: Fill[]): LocalTier {
  return {
    name: 'memory',
    kind: 'memory',
    local: true,
    ttlMs: undefined,
    counters: new TierCounters(),
    protects: false,
    readSync: () => undefined,
    readHit: () => undefined,
    read: (keys) => ({ entries: keys.map(() => undefined) }),
    write: (fills) => {
      written.push(...fills)
      return fills.map((fill) => ({ written: true, version: fill.entry.version }))
    },
    served: (fill) => ({ value: fill.entry.value, cloneOnRead: false }),
    discard: () => undefined,
    fence: () => undefined,
    supersede: () => undefined,
    invalidateAll: () => undefined,
    suspend: () => undefined,
    resume: () => undefined,
    trustUntil: () => undefined,
    clear: () => undefined,
    close: () => undefined,
  }
}

const checkTags = () => Promise.resolve([])

function setFill(key: string): Fill {
  const entry: Entry = {
    value: 'v',
    version: 0,
    createdAt: NOW,
    freshUntil: NOW + 1000,
    staleUntil: NOW + 1000,
    tags: [],
    tombstone: false,
  }
  return { key, entry, payload: undefined, versioning: 'issue', durable: true }
}

describe('TierStack coordinator', () => {
  test('appoints, once, the first shared tier that offers a coordinator; the L1 is the local tier in front', () => {
    const local = fakeLocal([])
    const first = fakeCoordinator('hot')
    const second = fakeCoordinator('warm')
    const stack = new TierStack(
      [local, fakeShared('plain'), fakeShared('hot', first), fakeShared('warm', second)],
      undefined,
      checkTags,
    )
    expect(stack.l1).toBe(local)
    expect(stack.coordinator).toBe(first)
    expect(stack.coordinatorTier?.name).toBe('hot')
    expect([first.appointments, second.appointments]).toEqual([1, 0])
  })

  test('appoints the coordinator named by the option, and refuses a name that cannot coordinate', () => {
    const warm = fakeCoordinator('warm')
    const tiers = [fakeShared('hot', fakeCoordinator('hot')), fakeShared('warm', warm), fakeShared('plain')]
    expect(new TierStack(tiers, 'warm', checkTags).coordinator).toBe(warm)
    expect(() => new TierStack(tiers, 'plain', checkTags)).toThrow(InvalidOptionError)
    expect(() => new TierStack([fakeLocal([])], 'memory', checkTags)).toThrow(InvalidOptionError)
  })

  test('a set: the coordinating tier issues the version, every other tier gets it as given', async () => {
    const localWrites: Fill[] = []
    const coordinating = fakeShared('hot', fakeCoordinator('hot'))
    const other = fakeShared('warm')
    const stack = new TierStack([fakeLocal(localWrites), coordinating, other], undefined, checkTags)
    await stack.writeIssued([setFill('k')], NOW)
    expect(coordinating.written.map((fill) => fill.versioning)).toEqual(['issue'])
    for (const written of [other.written, localWrites])
      expect(written.map((fill) => [fill.versioning, fill.entry.version])).toEqual([['given', 42]])
  })
})
