import { BoundedMap } from '../bounded-map.js'

/** How many recent writes are remembered; an invalidation arrives within milliseconds of its write. */
const REMEMBERED_WRITES = 10_000

/**
 * The version this process last wrote to each key of the coordinating tier, for the keys it wrote
 * recently. Client tracking reports our own writes back (see tracked-changes.ts); when a key changed
 * in Redis now holds the version we wrote, the change was ours. A write forgotten (more than
 * {@link REMEMBERED_WRITES} since) only makes its change count as another client's.
 */
export class OwnWrites {
  private readonly versions = new BoundedMap<string, number>(REMEMBERED_WRITES)

  /** The coordinating tier stored `version` under `key` (called when its conditional write succeeded). */
  readonly record = (key: string, version: number): void => {
    this.versions.set(key, version)
  }

  /** True when `version` is the version this process last wrote to `key`. */
  wrote(key: string, version: number): boolean {
    return this.versions.get(key) === version
  }
}
