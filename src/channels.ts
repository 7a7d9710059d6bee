import { type TracingChannel, tracingChannel } from 'node:diagnostics_channel'

/**
 * The `node:diagnostics_channel` tracing channels the cache publishes to. Nothing is built or published
 * while a channel's `start` has no subscriber, so an unobserved cache pays one property read per call.
 * Subscribe with `tracingChannel(name).subscribe({ start, end, asyncStart, asyncEnd, error })`; the
 * `tiercache/otel` adapter does this for you. See docs/observability.md.
 */

/** The public operations traced on `tiercache:<operation>`. */
export type TracedOperation =
  | 'get'
  | 'getOrLoad'
  | 'getMany'
  | 'has'
  | 'set'
  | 'delete'
  | 'invalidateTags'
  | 'clear'

/** Payload of `tiercache:<operation>`: one call of a public cache method. */
export interface OperationMessage {
  readonly operation: TracedOperation
  readonly namespace: string
  /** The key of a single-key call. */
  readonly key?: string
  /** The keys (or tags, for `invalidateTags`) of a multi-key call. */
  readonly keys?: readonly string[]
  /** The names of the cache's tiers, fastest first. */
  readonly tiers: readonly string[]
  /** Set before the call when the fastest tier is in memory and holds the key fresh (a hit without I/O). */
  memoryHit?: string
  /** Set by the channel when the call resolves. */
  result?: unknown
  /** Set by the channel when the call rejects. */
  error?: unknown
}

/** Payload of `tiercache:load`: one run of a loader (a `getOrLoad` miss, a refresh). */
export interface LoadMessage {
  readonly key: string
  result?: unknown
  error?: unknown
}

/** The kind of a tier round trip: `read` (MGET of entries) or `write` (a conditional write script). */
export type TierCommand = 'read' | 'write'

/**
 * What a tier round trip found: `hit` (at least one fresh entry), `stale` (only entries within grace),
 * `miss`, `written`, `refused` (a newer version was there), or `unanswered` (tier down, slow, or its
 * circuit open: the cache went on without it).
 */
export type TierOutcome = 'hit' | 'stale' | 'miss' | 'written' | 'refused' | 'unanswered'

/** Payload of `tiercache:tier`: one round trip to one Redis tier. */
export interface TierMessage {
  readonly tier: string
  readonly command: TierCommand
  readonly keyCount: number
  /** `host:port` of the server, when the client says. */
  readonly serverAddress: string | undefined
  /** Set before the round trip's promise settles. */
  outcome?: TierOutcome
  /** For reads: how many keys were fresh. */
  hits?: number
  result?: unknown
  error?: unknown
}

function operationChannel(operation: TracedOperation): TracingChannel<unknown, OperationMessage> {
  return tracingChannel(`tiercache:${operation}`)
}

/** The channel of each public operation, created once (an object literal, so its shape is fixed). */
export const operationChannels = {
  get: operationChannel('get'),
  getOrLoad: operationChannel('getOrLoad'),
  getMany: operationChannel('getMany'),
  has: operationChannel('has'),
  set: operationChannel('set'),
  delete: operationChannel('delete'),
  invalidateTags: operationChannel('invalidateTags'),
  clear: operationChannel('clear'),
} as const satisfies { readonly [O in TracedOperation]: TracingChannel<unknown, OperationMessage> }

export const loadChannel: TracingChannel<unknown, LoadMessage> = tracingChannel('tiercache:load')
export const tierChannel: TracingChannel<unknown, TierMessage> = tracingChannel('tiercache:tier')

/** The names of every channel, for subscribers. */
export const channelNames = {
  operations: Object.keys(operationChannels).map((operation) => `tiercache:${operation}`),
  load: 'tiercache:load',
  tier: 'tiercache:tier',
} as const

/**
 * True when someone listens on `channel`. Reads `start` only: `TracingChannel.hasSubscribers` is missing
 * before Node 20.13, and every tracer subscribes to `start`.
 */
export function isTraced(channel: { readonly start: { readonly hasSubscribers: boolean } }): boolean {
  return channel.start.hasSubscribers
}
