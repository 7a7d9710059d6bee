/** @module tiercache/otel */
import { AsyncLocalStorage } from 'node:async_hooks'
import { tracingChannel } from 'node:diagnostics_channel'
import {
  type Attributes,
  type Context,
  context,
  type MeterProvider,
  metrics,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api'
import { channelNames, type LoadMessage, type OperationMessage, type TierMessage } from '../channels.js'
import { createInstruments, type Instruments } from './otel-instruments.js'

/** Options of {@link instrumentTiercache}. */
export interface OtelOptions {
  /** Where spans go; the global tracer provider by default. */
  readonly tracerProvider?: TracerProvider
  /** Where metrics go; the global meter provider by default. */
  readonly meterProvider?: MeterProvider
  /** Put the key on operation spans as `tiercache.key` (off by default: keys may identify people). */
  readonly captureKeys?: boolean
}

/** A running instrumentation; {@link disable} unsubscribes it. */
export interface OtelInstrumentation {
  disable(): void
}

const scope = 'tiercache'

/** One traced public call, from its `start` to its `asyncEnd`. */
interface OperationState {
  readonly span: Span
  readonly context: Context
  readonly started: number
  hitTier: string | undefined
  loaded: boolean
}

/** A traced tier round trip or loader run. */
interface ChildState {
  readonly span: Span
  readonly started: number
  readonly operation: OperationState | undefined
}

/**
 * Turns the cache's `diagnostics_channel` tracing channels into OpenTelemetry spans and metrics:
 * - a span per public call (`tiercache.getOrLoad`, …) with `tiercache.outcome` (`hit`, `miss`, `ok`,
 *   `error`) and, on a hit, `tiercache.hit_tier`; it is a child of the span active when the call was made;
 * - under it, a client span per Redis round trip (`read hot`, `write warm`) with `db.system` `redis`,
 *   `server.address`, `server.port`, `tiercache.tier`, `tiercache.key_count` and `tiercache.outcome`, and a
 *   `tiercache.load` span per loader run;
 * - counters `tiercache.hits`, `tiercache.misses`, `tiercache.loads` and histograms
 *   `tiercache.operation.duration` and `tiercache.tier.duration` (seconds).
 *
 * Call once at start-up, before the caches are used; every cache in the process is covered.
 *
 * @example
 * ```ts
 * import { instrumentTiercache } from 'tiercache/otel'
 * const instrumentation = instrumentTiercache()   // global tracer and meter providers
 * // … on shutdown:
 * instrumentation.disable()
 * ```
 */
export function instrumentTiercache(options: OtelOptions = {}): OtelInstrumentation {
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(scope)
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(scope)
  const instruments = createInstruments(meter)
  const current = new AsyncLocalStorage<OperationState>()
  const unsubscribes = [
    ...channelNames.operations.map((name) =>
      subscribeOperations(name, tracer, instruments, current, options.captureKeys === true),
    ),
    subscribeTiers(tracer, instruments, current),
    subscribeLoads(tracer, instruments, current),
  ]
  return {
    disable: () => {
      for (const unsubscribe of unsubscribes) unsubscribe()
    },
  }
}

function subscribeOperations(
  name: string,
  tracer: Tracer,
  instruments: Instruments,
  current: AsyncLocalStorage<OperationState>,
  captureKeys: boolean,
): () => void {
  const channel = tracingChannel<unknown, OperationMessage>(name)
  const states = new WeakMap<OperationMessage, OperationState>()
  // The store makes the call's span the parent of the round trips and loads made on its behalf.
  channel.start.bindStore(current, (message) => {
    const parent = current.getStore()?.context ?? context.active()
    const span = tracer.startSpan(
      `tiercache.${message.operation}`,
      { kind: SpanKind.INTERNAL, attributes: operationAttributes(message, captureKeys) },
      parent,
    )
    const state = {
      span,
      context: trace.setSpan(parent, span),
      started: performance.now(),
      hitTier: undefined,
      loaded: false,
    }
    states.set(message, state)
    return state
  })
  const finish = (message: OperationMessage) => {
    const state = states.get(message)
    if (state === undefined) return
    states.delete(message)
    finishOperation(message, state, instruments)
  }
  const handlers = {
    start: () => undefined,
    // `end` without a result is a synchronous throw: no async events follow.
    end: (message: OperationMessage) => {
      if ('error' in message) finish(message)
    },
    asyncStart: () => undefined,
    asyncEnd: finish,
    error: () => undefined,
  }
  channel.subscribe(handlers)
  return () => {
    channel.unsubscribe(handlers)
    channel.start.unbindStore(current)
  }
}

function operationAttributes(message: OperationMessage, captureKeys: boolean): Attributes {
  const attributes: Attributes = {
    'tiercache.operation': message.operation,
    'tiercache.namespace': message.namespace,
  }
  if (message.keys !== undefined) attributes['tiercache.key_count'] = message.keys.length
  if (captureKeys && message.key !== undefined) attributes['tiercache.key'] = message.key
  return attributes
}

/** The `tiercache.outcome` of a call, and the tier that answered it, if one did. */
function outcomeOf(message: OperationMessage, state: OperationState): { outcome: string; tier?: string } {
  if ('error' in message) return { outcome: 'error' }
  const { operation, result } = message
  if (operation !== 'get' && operation !== 'getOrLoad' && operation !== 'has') return { outcome: 'ok' }
  if (state.loaded || result === undefined || result === false) return { outcome: 'miss' }
  const tier = message.memoryHit ?? state.hitTier
  // Without a tier: the value came from another caller's load or round trip, which this call joined.
  return tier === undefined ? { outcome: 'hit' } : { outcome: 'hit', tier }
}

function finishOperation(message: OperationMessage, state: OperationState, instruments: Instruments): void {
  const { span } = state
  const { outcome, tier } = outcomeOf(message, state)
  span.setAttribute('tiercache.outcome', outcome)
  if (tier !== undefined) span.setAttribute('tiercache.hit_tier', tier)
  if (outcome === 'error') recordError(span, message.error)
  span.end()
  const attributes: Attributes = {
    'tiercache.namespace': message.namespace,
    'tiercache.operation': message.operation,
  }
  if (outcome === 'hit')
    instruments.hits.add(1, tier === undefined ? attributes : { ...attributes, 'tiercache.hit_tier': tier })
  else if (outcome === 'miss') instruments.misses.add(1, attributes)
  instruments.operationDuration.record((performance.now() - state.started) / 1000, {
    ...attributes,
    'tiercache.outcome': outcome,
  })
}

function subscribeTiers(
  tracer: Tracer,
  instruments: Instruments,
  current: AsyncLocalStorage<OperationState>,
): () => void {
  const channel = tracingChannel<unknown, TierMessage>(channelNames.tier)
  const states = new WeakMap<TierMessage, ChildState>()
  const handlers = {
    start: (message: TierMessage) => {
      const operation = current.getStore()
      const span = tracer.startSpan(
        `${message.command} ${message.tier}`,
        { kind: SpanKind.CLIENT, attributes: tierAttributes(message) },
        operation?.context ?? context.active(),
      )
      states.set(message, { span, started: performance.now(), operation })
    },
    end: () => undefined,
    asyncStart: () => undefined,
    asyncEnd: (message: TierMessage) => {
      const state = states.get(message)
      if (state === undefined) return
      states.delete(message)
      finishTier(message, state, instruments)
    },
    error: () => undefined,
  }
  channel.subscribe(handlers)
  return () => channel.unsubscribe(handlers)
}

function tierAttributes(message: TierMessage): Attributes {
  const attributes: Attributes = {
    'db.system': 'redis',
    'db.system.name': 'redis',
    'db.operation.name': message.command === 'read' ? 'MGET' : 'EVALSHA',
    'tiercache.tier': message.tier,
    'tiercache.command': message.command,
    'tiercache.key_count': message.keyCount,
  }
  const server = parseAddress(message.serverAddress)
  if (server !== undefined) {
    attributes['server.address'] = server.host
    if (server.port !== undefined) attributes['server.port'] = server.port
  }
  return attributes
}

/** `host:port` (or `[v6]:port`) into its parts. */
function parseAddress(address: string | undefined): { host: string; port?: number } | undefined {
  if (address === undefined || address === '') return undefined
  const colon = address.lastIndexOf(':')
  const port = Number(address.slice(colon + 1))
  if (colon <= 0 || !Number.isInteger(port)) return { host: address }
  return { host: address.slice(0, colon).replace(/^\[|\]$/g, ''), port }
}

function finishTier(message: TierMessage, state: ChildState, instruments: Instruments): void {
  const outcome = 'error' in message ? 'error' : (message.outcome ?? 'unanswered')
  const { span, operation } = state
  span.setAttribute('tiercache.outcome', outcome)
  if (message.hits !== undefined) span.setAttribute('tiercache.hits', message.hits)
  if (outcome === 'unanswered' || outcome === 'error') span.setStatus({ code: SpanStatusCode.ERROR })
  span.end()
  if (operation !== undefined && outcome === 'hit' && operation.hitTier === undefined) {
    operation.hitTier = message.tier
  }
  instruments.tierDuration.record((performance.now() - state.started) / 1000, {
    'db.system': 'redis',
    'tiercache.tier': message.tier,
    'tiercache.command': message.command,
    'tiercache.outcome': outcome,
  })
}

function subscribeLoads(
  tracer: Tracer,
  instruments: Instruments,
  current: AsyncLocalStorage<OperationState>,
): () => void {
  const channel = tracingChannel<unknown, LoadMessage>(channelNames.load)
  const states = new WeakMap<LoadMessage, ChildState>()
  const handlers = {
    start: (message: LoadMessage) => {
      const operation = current.getStore()
      const span = tracer.startSpan(
        'tiercache.load',
        { kind: SpanKind.INTERNAL },
        operation?.context ?? context.active(),
      )
      states.set(message, { span, started: performance.now(), operation })
    },
    end: () => undefined,
    asyncStart: () => undefined,
    asyncEnd: (message: LoadMessage) => {
      const state = states.get(message)
      if (state === undefined) return
      states.delete(message)
      const ok = !('error' in message)
      state.span.setAttribute('tiercache.outcome', ok ? 'ok' : 'error')
      if (!ok) recordError(state.span, message.error)
      state.span.end()
      if (state.operation !== undefined) state.operation.loaded = true
      instruments.loads.add(1, { 'tiercache.outcome': ok ? 'ok' : 'error' })
    },
    error: () => undefined,
  }
  channel.subscribe(handlers)
  return () => channel.unsubscribe(handlers)
}

function recordError(span: Span, error: unknown): void {
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  })
  if (error instanceof Error) span.recordException(error)
}
