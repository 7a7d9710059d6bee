import { CacheEvents } from '../cache-events.js'
import { InvalidOptionError } from '../errors.js'
import { HealthLog } from '../health-log.js'
import { Flights } from '../load/flights.js'
import { Loads } from '../load/loads.js'
import {
  type CacheOptions,
  type ResolvedCacheOptions,
  resolveCacheOptions,
  WriteOptionsResolver,
} from '../options.js'
import { TierStack } from '../stack/tier-stack.js'
import { Synchronizer } from '../sync/synchronizer.js'
import { Leases } from '../tiers/leases.js'
import type { RedisBusLink } from '../tiers/redis/redis-coordinator.js'
import type { Coordinator, Tier, TierContext, TierDefinition } from '../tiers/tier.js'
import { Startup } from './startup.js'

/**
 * Everything one cache is made of, shared by its read, write and lifecycle code. Built once by
 * {@link assembleCache}; nothing here changes after that.
 */
export interface CacheParts {
  readonly options: ResolvedCacheOptions
  /** Turns per-call options into numbers (the defaults object when a call passes none). */
  readonly writeOptions: WriteOptionsResolver
  /** The tiers, fastest first. */
  readonly tiers: readonly Tier[]
  readonly stack: TierStack
  readonly flights: Flights
  readonly events: CacheEvents
  readonly loads: Loads
  readonly sync: Synchronizer
  /** Every Redis tier's state, told to the logger (or as a warning) once per change. */
  readonly health: HealthLog
  /** Holds operations back while tiers make their first connection (see startup.ts). */
  readonly startup: Startup
}

/**
 * Builds a cache's parts from its options: the tiers (bound to this cache), the stack that moves
 * values through them, the synchronizer that keeps memory tiers consistent with other processes, and
 * the load machinery (single-flight, leases). Starts listening for invalidations.
 */
export function assembleCache(options: CacheOptions): CacheParts {
  const definitions = validateTierDefinitions(options)
  const resolved = resolveCacheOptions(options, definitions)
  const events = new CacheEvents()
  const health = new HealthLog(resolved.logger, resolved.namespace, events)
  const context: TierContext = {
    namespace: resolved.namespace,
    serializer: resolved.serializer,
    serializers: resolved.serializers,
    events,
    maxKeyBytes: resolved.maxKeyBytes,
    health,
    maxValueBytes: resolved.maxValueBytes,
    clock: resolved.clock,
  }
  const tiers = definitions.map((definition) => definition.create(context))
  // The stack checks tags through the synchronizer, which needs the stack's coordinator: tie the knot.
  let sync: Synchronizer | undefined
  const stack = new TierStack(
    tiers,
    resolved.coordinator,
    (entries) => (sync as Synchronizer).tags.validate(entries),
    resolved.clock,
  )
  const flights = new Flights(resolved.load.joinableMs, stack.l1?.protects === true, resolved.clock)
  sync = new Synchronizer(
    tiers,
    // The only tier that coordinates is the Redis tier, whose bus is a Redis link.
    stack.coordinator as Coordinator<RedisBusLink> | undefined,
    flights,
    events,
    resolved.tombstoneTtlMs,
    resolved.sync,
    resolved.clock,
  )
  const leases = makeLeases(resolved, stack, sync)
  const loads = new Loads(stack, flights, events, resolved, leases)
  sync.start()
  const startup = new Startup(health, sync, events, stack.coordinatorTier)
  return {
    options: resolved,
    writeOptions: new WriteOptionsResolver(resolved),
    tiers,
    stack,
    flights,
    events,
    loads,
    sync,
    health,
    startup,
  }
}

/** Cluster-wide leases, when enabled and a coordinator exists; fills are announced over the bus. */
function makeLeases(options: ResolvedCacheOptions, stack: TierStack, sync: Synchronizer): Leases | undefined {
  const { lease } = options.load
  const coordinator = stack.coordinator
  const leases =
    lease && coordinator
      ? new Leases(coordinator, lease.ttlMs, lease.pollIntervalMs, (keys) => sync.announceFilled(keys))
      : undefined
  sync.onFilled = (keys) => leases?.filled(keys)
  return leases
}

function validateTierDefinitions(options: CacheOptions): readonly TierDefinition[] {
  if (options === null || typeof options !== 'object')
    throw new InvalidOptionError('createCache needs an options object')
  const { tiers } = options
  if (!Array.isArray(tiers) || tiers.length === 0) {
    throw new InvalidOptionError(
      'createCache needs a non-empty tiers array, e.g. [memoryTier(), redisTier({ url })]',
    )
  }
  const names = new Set<string>()
  for (const tier of tiers as unknown[]) {
    const definition = tier as Partial<TierDefinition>
    if (typeof definition?.create !== 'function' || typeof definition.name !== 'string') {
      throw new InvalidOptionError('every tier must come from memoryTier() or redisTier()')
    }
    if (names.has(definition.name))
      throw new InvalidOptionError(`two tiers are named "${definition.name}"; give each a unique name`)
    names.add(definition.name)
  }
  return tiers
}
