import type { IoredisClusterLike, NodeRedisClusterLike } from './cluster-clients.js'
import type { RedisSubscriber } from './connection.js'

/** One subscriber client of a cluster, for one channel. */
export interface ClusterChannel {
  /** SSUBSCRIBE (or SUBSCRIBE where the server has no sharded pub/sub); resolves with the matching publish command. */
  subscribe(channel: string, onMessage: (message: Buffer) => void): Promise<'SPUBLISH' | 'PUBLISH'>
  isReady(): boolean
  onStateChange(listener: (ready: boolean) => void): () => void
  close(): Promise<void>
}

/**
 * A cluster subscriber that can start over. A sharded subscription lives on the master of the
 * channel's slot; when that master dies, neither client reliably moves the subscription to the
 * promoted replica. The bus notices (its own heartbeats stop coming back) and calls `renew()`: a new
 * client discovers the current topology and subscribes again. Messages published meanwhile are lost,
 * which the bus already treats as an outage (memory tiers suspended, then emptied on return).
 */
export function renewableSubscriber(open: () => ClusterChannel): RedisSubscriber {
  let current = open()
  let publishCommand: 'SPUBLISH' | 'PUBLISH' = 'SPUBLISH'
  let subscription: { channel: string; onMessage: (message: Buffer) => void } | undefined
  const listeners = new Set<(ready: boolean) => void>()
  const relay = (ready: boolean) => {
    for (const listener of listeners) listener(ready)
  }
  let unwatch = current.onStateChange(relay)
  let closed = false
  return {
    get publishCommand() {
      return publishCommand
    },
    async subscribe(channel, onMessage) {
      subscription = { channel, onMessage }
      publishCommand = await current.subscribe(channel, onMessage)
    },
    async renew() {
      if (closed) return
      const previous = current
      unwatch()
      current = open()
      unwatch = current.onStateChange(relay)
      await previous.close().catch(() => undefined)
      if (subscription) publishCommand = await current.subscribe(subscription.channel, subscription.onMessage)
    },
    isReady: () => current.isReady(),
    onStateChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    async close() {
      closed = true
      unwatch()
      listeners.clear()
      await current.close()
    },
  }
}

/** Sharded pub/sub (Redis 7) is preferred; a server that does not know SSUBSCRIBE gets classic pub/sub. */
function unknownCommand(error: unknown): boolean {
  return error instanceof Error && /unknown command/i.test(error.message)
}

export function nodeRedisClusterChannel(cluster: NodeRedisClusterLike): ClusterChannel {
  cluster.on('error', () => undefined)
  const { sSubscribe, subscribe } = guardResubscription(cluster)
  const connecting = cluster.connect?.().catch(() => undefined)
  return {
    async subscribe(channel, onMessage) {
      await connecting
      try {
        await sSubscribe?.(channel, onMessage, true)
        return 'SPUBLISH'
      } catch (error) {
        if (!unknownCommand(error)) throw error
        await subscribe?.(channel, onMessage, true)
        return 'PUBLISH'
      }
    },
    isReady: () => cluster.isReady,
    // This client holds only the subscription's connection (and discovery's): a node dropping is the
    // subscription dropping.
    onStateChange: (listener) =>
      watch(
        cluster,
        ['connect', 'node-ready'],
        ['disconnect', 'node-reconnecting', 'node-disconnect'],
        listener,
      ),
    async close() {
      if (!cluster.isOpen) return
      if (!cluster.isReady) cluster.destroy?.()
      else await (cluster.close?.() ?? Promise.resolve()).catch(() => cluster.destroy?.())
    },
  }
}

type Subscribe = NonNullable<NodeRedisClusterLike['sSubscribe']>

/**
 * node-redis moves a cluster client's subscriptions to a new node after a failover by calling its own
 * `sSubscribe`/`subscribe` without handling the promise; if the client is closed meanwhile (the bus
 * renewing its subscriber does that) the rejection would be unhandled in the application. The
 * client's own methods are replaced by ones that swallow such failures (the bus notices a lost
 * subscription by its missing heartbeats); ours are returned, bound, with their errors intact.
 */
function guardResubscription(cluster: NodeRedisClusterLike): {
  sSubscribe?: Subscribe
  subscribe?: Subscribe
} {
  const original = {
    sSubscribe: cluster.sSubscribe?.bind(cluster),
    subscribe: cluster.subscribe?.bind(cluster),
  }
  const targets = new Set<NodeRedisClusterLike>([cluster])
  const self = (cluster as { _self?: NodeRedisClusterLike })._self
  if (self !== undefined) targets.add(self)
  for (const target of targets) {
    for (const name of ['sSubscribe', 'subscribe'] as const) {
      const method = original[name]
      if (method === undefined) continue
      target[name] = (channel, listener, bufferMode) =>
        method(channel, listener, bufferMode).catch(() => undefined)
    }
  }
  return original
}

export function ioredisClusterChannel(cluster: IoredisClusterLike): ClusterChannel {
  cluster.on('error', () => undefined)
  return {
    async subscribe(channel, onMessage) {
      const deliver = (from: unknown, message: unknown) => {
        if (String(from) === channel && Buffer.isBuffer(message)) onMessage(message)
      }
      cluster.on('smessageBuffer', deliver)
      cluster.on('messageBuffer', deliver)
      try {
        await cluster.ssubscribe?.(channel)
        return 'SPUBLISH'
      } catch (error) {
        if (!unknownCommand(error)) throw error
        await cluster.subscribe?.(channel)
        return 'PUBLISH'
      }
    },
    isReady: () => cluster.status === 'ready',
    onStateChange: (listener) => watch(cluster, ['ready'], ['close'], listener),
    async close() {
      if (cluster.status === 'end') return
      if (cluster.status !== 'ready') (cluster as unknown as { disconnect(): void }).disconnect()
      else await cluster.quit().catch(() => undefined)
    },
  }
}

/** Calls `listener(true)` on any of `upEvents` and `listener(false)` on any of `downEvents`. */
export function watch(
  emitter: Pick<NodeRedisClusterLike, 'on' | 'off'>,
  upEvents: readonly string[],
  downEvents: readonly string[],
  listener: (ready: boolean) => void,
): () => void {
  const up = () => listener(true)
  const down = () => listener(false)
  for (const event of upEvents) emitter.on(event, up)
  for (const event of downEvents) emitter.on(event, down)
  return () => {
    for (const event of upEvents) emitter.off(event, up)
    for (const event of downEvents) emitter.off(event, down)
  }
}
