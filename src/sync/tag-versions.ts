import { BoundedMap } from '../bounded-map.js'
import type { Entry } from '../entry.js'

/** Reads tag versions from the coordinating Redis tier; undefined when it cannot answer. */
export type TagVersionSource = (tags: readonly string[]) => Promise<number[] | undefined>

/**
 * Tag versions, for related-key invalidation in O(1): `invalidateTags` stores a new version per tag
 * (issued by the coordinator's clock), and an entry is valid only while every tag it carries has a
 * version no newer than the entry's own. Nothing is scanned or fanned out per key.
 *
 * Versions read from the coordinator are kept in memory so that a memory-tier hit on a tagged entry
 * needs no round trip. They are only trusted while the invalidation bus is healthy: it names every tag
 * invalidated, whose version is then forgotten and read again (never taken from the message, which
 * anyone able to publish could forge). Otherwise each check asks the coordinator.
 */
export class TagVersions {
  private readonly known: BoundedMap<string, number>
  /**
   * Without a coordinator, the version of every tag not in `known`: none was invalidated (0), or its
   * record was dropped (the map is bounded, or it was reset), and then no entry older than the newest
   * version dropped can be trusted.
   */
  private floor = 0
  private trustedFlag: boolean
  /** Moves on every reset, forget or change of trust, so a fetch that straddles one is not remembered. */
  private generation = 0

  constructor(
    private readonly source: TagVersionSource | undefined,
    options: { maxTags?: number } = {},
  ) {
    this.known = new BoundedMap(options.maxTags ?? 100_000, (version) => this.dropped(version))
    this.trustedFlag = source === undefined
  }

  /** True while local versions are kept current (bus healthy, or no other process shares the tiers). */
  get trusted(): boolean {
    return this.trustedFlag
  }

  set trusted(trusted: boolean) {
    if (trusted !== this.trustedFlag) this.reset()
    this.trustedFlag = trusted
  }

  /** The L1 fast path: valid only if every tag's version is known locally and trusted. No I/O. */
  validSync(entry: Entry): boolean {
    if (!this.trusted) return false
    for (const tag of entry.tags) {
      const version = this.known.get(tag) ?? this.unrecorded()
      if (version === undefined || version > entry.version) return false
    }
    return true
  }

  /**
   * Checks entries against their tags' versions, fetching the versions not known (or not trusted) in
   * one round trip. When the versions cannot be read, tagged entries count as invalid.
   */
  async validate(entries: readonly Entry[]): Promise<boolean[]> {
    const missing = new Set<string>()
    for (const entry of entries) {
      for (const tag of entry.tags) if (!this.trusted || this.known.get(tag) === undefined) missing.add(tag)
    }
    let fetched: Map<string, number> | undefined = new Map()
    if (missing.size > 0) fetched = await this.fetch([...missing])
    return entries.map((entry) =>
      entry.tags.every((tag) => {
        const version = fetched?.get(tag) ?? (this.trusted ? this.known.get(tag) : undefined)
        return version !== undefined && version <= entry.version
      }),
    )
  }

  private async fetch(tags: string[]): Promise<Map<string, number> | undefined> {
    if (!this.source) return new Map(tags.map((tag) => [tag, this.known.get(tag) ?? this.floor]))
    const generation = this.generation
    const versions = await this.source(tags)
    if (!versions) return undefined
    // Only remember what was read while the bus brought every change, during the whole read.
    const remember = this.trusted && generation === this.generation
    const fetched = new Map<string, number>()
    tags.forEach((tag, i) => {
      const version = versions[i] ?? 0
      fetched.set(tag, version)
      if (remember) this.apply(tag, version)
    })
    return fetched
  }

  /**
   * Records an invalidation this process made. Without a coordinator its version is the only record,
   * and is kept. With one, the tag is forgotten instead, so the next check reads the coordinator's
   * version: another process's invalidation may already have moved it past ours, and its message,
   * arriving on another connection, may have come before our reply.
   */
  invalidated(tag: string, version: number): void {
    if (this.source) this.forget(tag)
    else this.apply(tag, version)
  }

  /** The version of a tag with no record here: asked of the coordinator if there is one (undefined). */
  private unrecorded(): number | undefined {
    return this.source === undefined ? this.floor : undefined
  }

  /** Records a tag's version as the coordinator gave it (versions only move forward). */
  apply(tag: string, version: number): void {
    const current = this.known.get(tag)
    if (current === undefined || version > current) this.known.set(tag, version)
  }

  /** True when a version of `tag` at least as new as `version` is known here. */
  knows(tag: string, version: number): boolean {
    return (this.known.get(tag) ?? -1) >= version
  }

  /**
   * Forgets a tag's version (it changed to a version we do not know), so the next check reads it from
   * the coordinator. A fetch already under way may have read the old version: it is not remembered.
   */
  forget(tag: string): void {
    this.generation++
    const version = this.known.get(tag)
    if (version !== undefined && this.known.delete(tag)) this.dropped(version)
  }

  /** Forgets every version (after a bus outage or a lost message). */
  reset(): void {
    this.generation++
    for (const version of this.known.values()) this.dropped(version)
    this.known.clear()
  }

  /** A recorded version left the map: without a coordinator, unrecorded tags now count as that new. */
  private dropped(version: number): void {
    if (this.source === undefined) this.floor = Math.max(this.floor, version)
  }
}
