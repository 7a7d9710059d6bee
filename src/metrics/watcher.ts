import type { CacheStats, TierCache } from '../cache.js'

/** The labels of one watched cache's series. */
export type Labels = Record<string, string>

/** Follows one cache's events for what `stats()` does not hold. */
export class Watcher {
  readonly staleReasons = new Map<string, number>()
  readonly invalidations = { key: 0, tag: 0 }
  /** Called with each load's result and duration; set by the collector the watcher joins. */
  onLoadTimed: (result: 'ok' | 'error', seconds: number) => void = () => undefined
  private readonly listeners: [string, (...args: never[]) => void][]

  constructor(
    readonly cache: TierCache,
    readonly labels: Labels,
  ) {
    const onLoad = ({ durationMs, ok }: { durationMs: number; ok: boolean }) =>
      this.onLoadTimed(ok ? 'ok' : 'error', durationMs / 1000)
    const onStale = ({ reason }: { reason: string }) =>
      this.staleReasons.set(reason, (this.staleReasons.get(reason) ?? 0) + 1)
    const onInvalidated = ({ keys, tags }: { keys: readonly string[]; tags: readonly string[] }) => {
      this.invalidations.key += keys.length
      this.invalidations.tag += tags.length
    }
    this.listeners = [
      ['load', onLoad as never],
      ['staleServed', onStale as never],
      ['invalidated', onInvalidated as never],
    ]
    for (const [event, listener] of this.listeners) cache.on(event as 'load', listener as never)
  }

  detach(): void {
    for (const [event, listener] of this.listeners) this.cache.off(event as 'load', listener as never)
  }

  stats(): CacheStats {
    return this.cache.stats()
  }
}
