import type { CacheEvents } from './cache-events.js'
import { InvalidOptionError } from './errors.js'
import type { TierState } from './types/tier-state.js'

/**
 * Where the cache says what happens to its tiers (option `logger` of createCache): any object with
 * pino-style methods taking a context object and a message. pino, the Fastify logger (`app.log`) and
 * `console` all fit.
 */
export interface Logger {
  error(context: object, message: string): void
  warn(context: object, message: string): void
  info(context: object, message: string): void
  debug(context: object, message: string): void
}

/** A tier whose start and health the cache follows (every Redis tier, those a geo fan-out writes to too). */
export interface WatchedTier {
  readonly name: string
  readonly state: TierState
  /** Settles once the tier was first in use, or its connect timeout passed without that. */
  readonly started: Promise<void>
}

/**
 * Follows the health of one cache's tiers and tells it once per change: tier states and the
 * invalidation bus's state go to the `logger` when one is given; without one, a tier still unreachable
 * when its connect timeout passes is said once as a process warning, so it is never silent.
 */
export class HealthLog {
  /** Every Redis tier of the cache, including tiers only written to (a geo cache's other levels). */
  readonly tiers: WatchedTier[] = []
  private readonly warned = new Set<string>()
  private readonly lastState = new Map<string, TierState>()
  private busWasHealthy = false

  constructor(
    private readonly logger: Logger | undefined,
    private readonly namespace: string,
    events: CacheEvents,
  ) {
    if (logger === undefined) return
    events.on('tierState', ({ tier, state, error }) => this.logTierState(logger, tier, state, error))
    events.on('syncState', ({ healthy }) => this.logSyncState(logger, healthy))
  }

  watch(tier: WatchedTier): void {
    this.tiers.push(tier)
  }

  /**
   * A tier has been unreachable for its connect timeout (`atStart`: it never connected). Without a
   * logger it is said once per tier as a process warning; a logger hears it at start (a later outage
   * it already heard as the tier going down).
   */
  unreachable(tier: string, forMs: number, error: unknown, atStart: boolean): void {
    const reason = error === undefined ? 'no connection yet' : describe(error)
    const since = atStart ? 'since the cache started' : 'since its connection broke'
    const message = `${this.prefix()} Redis tier "${tier}" has been unreachable for ${forMs} ms ${since} (${reason}); reads and writes go past it until it answers`
    if (this.logger) {
      if (atStart) this.logger.warn({ tier, state: 'down' }, message)
      return
    }
    if (this.warned.has(tier)) return
    this.warned.add(tier)
    process.emitWarning(message, { code: 'TIERCACHE_TIER_UNREACHABLE' })
  }

  private logTierState(logger: Logger, tier: string, state: TierState, error: unknown): void {
    const previous = this.lastState.get(tier)
    this.lastState.set(tier, state)
    const context = { tier, state }
    const said = `${this.prefix()} tier "${tier}"`
    if (state === 'up') logger.info(context, `${said} is up`)
    else if (state === 'connecting') logger.debug(context, `${said} is connecting`)
    // Down before it was ever up: unreachable() says so, with the connect timeout.
    else if (state === 'down' && (previous === undefined || previous === 'connecting')) return
    else if (state === 'down')
      logger.warn(context, `${said} is down${error === undefined ? '' : ` (${describe(error)})`}`)
    else logger.warn(context, `${said} is ${state}: connected, but skipped until it answers reliably`)
  }

  private logSyncState(logger: Logger, healthy: boolean): void {
    const context = { synced: healthy }
    if (healthy) {
      this.busWasHealthy = true
      logger.info(context, `${this.prefix()} invalidation bus is up; memory tiers are in use`)
    } else if (this.busWasHealthy) {
      logger.warn(
        context,
        `${this.prefix()} invalidation bus is down; memory tiers are bypassed until it is back`,
      )
    }
  }

  private prefix(): string {
    return `tiercache[${this.namespace}]:`
  }
}

/** Checks a `logger` option: an object with error, warn, info and debug methods. */
export function checkLogger(logger: unknown): Logger | undefined {
  if (logger === undefined) return undefined
  const candidate = logger as Partial<Record<keyof Logger, unknown>> | null
  const methods = ['error', 'warn', 'info', 'debug'] as const
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    methods.some((m) => typeof candidate[m] !== 'function')
  ) {
    throw new InvalidOptionError(
      'logger must have error, warn, info and debug methods (pino, the Fastify logger or console)',
    )
  }
  return candidate as Logger
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
