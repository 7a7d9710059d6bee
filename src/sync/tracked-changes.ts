import type { Coordinator } from '../tiers/tier.js'
import type { OwnWrites } from './own-writes.js'

/** What the synchronizer does with a change, once it knows what the key holds now. */
export interface ChangeHandler {
  /**
   * `key` now holds `version` in the coordinating tier; undefined when it is gone, is not an entry or
   * could not be read. `own` when that version is the one this process wrote.
   */
  entry(key: string, version: number | undefined, own: boolean): void
  /** `tag` now holds `version`; undefined when it could not be read. */
  tag(tag: string, version: number | undefined): void
}

/**
 * Turns client-tracking invalidations into changes with versions. An invalidation only names a key,
 * and Redis reports our own writes too: NOLOOP does not cover keys written inside a script in
 * broadcast mode (Redis 7.0), and every write of the cache is a script. So the keys reported in one
 * tick are read back in one round trip, and each change is handled with the version the key holds
 * now: a change that leaves the version this process wrote is its own (see own-writes.ts), any other
 * is another client's. Reading back after the invalidation arrived sees every write it reports.
 */
export class TrackedChanges {
  private readonly entryPrefix: string
  private readonly tagPrefix: string
  private entries = new Set<string>()
  private tags = new Set<string>()
  private scheduled = false

  constructor(
    prefix: string,
    /** Reads back what changed keys and tags hold now. */
    private readonly source: Pick<Coordinator, 'readEntryVersions' | 'readTagVersions'>,
    private readonly ownWrites: OwnWrites,
    private readonly handler: ChangeHandler,
  ) {
    this.entryPrefix = `${prefix}:`
    this.tagPrefix = `${prefix}#tag:`
  }

  /** A Redis key under our prefix changed (leases, awaited marks and the clock are not our concern). */
  changed(redisKey: string): void {
    if (redisKey.startsWith(this.entryPrefix)) this.entries.add(redisKey.slice(this.entryPrefix.length))
    else if (redisKey.startsWith(this.tagPrefix)) this.tags.add(redisKey.slice(this.tagPrefix.length))
    else return
    if (this.scheduled) return
    this.scheduled = true
    queueMicrotask(() => void this.readBack())
  }

  private async readBack(): Promise<void> {
    this.scheduled = false
    const keys = [...this.entries]
    const tags = [...this.tags]
    this.entries = new Set()
    this.tags = new Set()
    await Promise.all([this.readEntries(keys), this.readTags(tags)])
  }

  private async readEntries(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return
    const versions = await this.source.readEntryVersions(keys).catch(() => undefined)
    keys.forEach((key, i) => {
      const version = validVersion(versions?.[i])
      this.handler.entry(key, version, version !== undefined && this.ownWrites.wrote(key, version))
    })
  }

  private async readTags(tags: readonly string[]): Promise<void> {
    if (tags.length === 0) return
    const versions = await this.source.readTagVersions(tags).catch(() => undefined)
    tags.forEach((tag, i) => {
      this.handler.tag(tag, validVersion(versions?.[i]))
    })
  }
}

/** Bytes in Redis are untrusted: only a non-negative safe integer is a version. */
function validVersion(version: number | undefined): number | undefined {
  return version !== undefined && Number.isSafeInteger(version) && version >= 0 ? version : undefined
}
