import type { TierState } from '../../types/tier-state.js'
import type { TierContext } from '../tier.js'
import type { RedisConnection } from './connection.js'
import type { TierGuard } from './tier-guard.js'

/**
 * Where one Redis tier stands ({@link TierState}), worked out from its connection, its guard and its
 * circuit breaker, and reported once per change (the `tierState` event, and through it the logger).
 * It also settles `started` once the tier is first in use or its connect timeout passed, and says when
 * the tier has been unreachable for that long: at start, or after its connection broke.
 */
export class RedisTierState {
  /** The connection's last error, told with the tier going down. */
  lastConnectionError: unknown
  /** Settles once the tier was first in use, or its connect timeout passed without that. */
  readonly started: Promise<void>
  private value: TierState = 'connecting'
  /** True once the tier was first in use, or its connect timeout passed. */
  private startupOver = false
  private everUp = false
  /** Fires when the tier has been unreachable for its connect timeout: at start, or in an outage. */
  private unreachableTimer: NodeJS.Timeout
  private markStarted!: () => void

  constructor(
    private readonly name: string,
    private readonly connection: RedisConnection,
    private readonly guard: TierGuard,
    private readonly connectTimeoutMs: number,
    private readonly context: TierContext,
  ) {
    this.started = new Promise<void>((resolve) => {
      this.markStarted = resolve
    })
    this.unreachableTimer = setTimeout(() => this.connectTimedOut(), connectTimeoutMs)
    this.unreachableTimer.unref()
  }

  /** The state now (reported first, if it changed unnoticed). */
  get current(): TierState {
    this.refresh()
    return this.value
  }

  /** Works out the state and reports it when it changed: once per change, never per call. */
  refresh(): void {
    const state = this.compute()
    if (state === this.value) return
    this.value = state
    if (state === 'up') {
      this.everUp = true
      clearTimeout(this.unreachableTimer)
      this.markStarted()
    }
    const breaker = this.guard.breaker?.state
    const error = state === 'down' ? this.lastConnectionError : undefined
    this.context.events.report('tierState', {
      tier: this.name,
      state,
      ...(breaker !== undefined ? { breaker } : {}),
      ...(error !== undefined ? { error } : {}),
    })
  }

  /** The connection broke: if it is not back within the connect timeout, that is said too. */
  connectionLost(): void {
    if (!this.everUp) return // the start's own timer covers a tier never up
    clearTimeout(this.unreachableTimer)
    this.unreachableTimer = setTimeout(() => this.reportIfUnreachable(false), this.connectTimeoutMs)
    this.unreachableTimer.unref()
  }

  close(): void {
    clearTimeout(this.unreachableTimer)
    this.markStarted()
  }

  private compute(): TierState {
    if (!this.connection.isReady()) return this.everUp || this.startupOver ? 'down' : 'connecting'
    if (!this.everUp && !this.guard.inService) return 'connecting' // connected, replaying before first use
    const breaker = this.guard.breaker?.state ?? 'closed'
    return this.guard.inService && breaker === 'closed' ? 'up' : 'degraded'
  }

  /** The first connection did not come within the connect timeout: stop holding operations back, and say so. */
  private connectTimedOut(): void {
    this.startupOver = true
    this.markStarted()
    this.reportIfUnreachable(true)
  }

  private reportIfUnreachable(atStart: boolean): void {
    if (this.current !== 'down') return
    this.context.health?.unreachable(this.name, this.connectTimeoutMs, this.lastConnectionError, atStart)
  }
}
