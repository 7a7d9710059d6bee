import { InvalidOptionError } from '../../errors.js'
import {
  type RedisArgument,
  type RedisConnection,
  type RedisSubscriber,
  watchNodeRedis,
} from './connection.js'

/**
 * The structural slice of a node-redis Sentinel client (`createSentinel`) we use. The client finds the
 * master through the sentinels and follows failovers by itself; commands it cannot send while the
 * master is being replaced wait in its queue, bounded by the tier's own timeout.
 */
export interface NodeRedisSentinelLike {
  readonly isReady: boolean
  readonly isOpen: boolean
  sendCommand(
    isReadonly: boolean | undefined,
    args: readonly RedisArgument[],
    options?: object,
  ): Promise<unknown>
  getMasterNode(): { host: string; port: number } | undefined
  on(event: string, listener: (...args: unknown[]) => void): unknown
  off(event: string, listener: (...args: unknown[]) => void): unknown
  close(): Promise<unknown>
  destroy(): unknown
  duplicate(overrides?: object): NodeRedisSentinelLike
  connect(): Promise<unknown>
  subscribe(
    channel: string,
    listener: (message: Buffer, channel: Buffer) => void,
    bufferMode: true,
  ): Promise<unknown>
}

export function isNodeRedisSentinel(client: unknown): client is NodeRedisSentinelLike {
  return (
    typeof client === 'object' &&
    client !== null &&
    typeof (client as NodeRedisSentinelLike).sendCommand === 'function' &&
    typeof (client as NodeRedisSentinelLike).getMasterNode === 'function'
  )
}

const COMMAND_OPTIONS = { typeMapping: { 36: Buffer } } as const

export function fromNodeRedisSentinel(client: NodeRedisSentinelLike, owned: boolean): RedisConnection {
  const connection: RedisConnection = {
    driver: 'node-redis',
    topology: 'standalone',
    isReady: () => client.isReady,
    send: (args) => client.sendCommand(false, args, COMMAND_OPTIONS),
    onStateChange: (listener) => watchNodeRedis(client, listener),
    masters: () => Promise.resolve([connection]),
    get address() {
      const master = client.getMasterNode()
      return master ? `${master.host}:${master.port}` : undefined
    },
    async close() {
      if (owned) await closeSentinel(client)
    },
    createSubscriber: () => sentinelSubscriber(client),
    createTracker() {
      throw new InvalidOptionError(
        'sync.tracking is not available on a Sentinel client; the invalidation bus works on it',
      )
    },
  }
  return connection
}

/** A second Sentinel client for pub/sub: it follows the master through failovers like the first. */
function sentinelSubscriber(client: NodeRedisSentinelLike): RedisSubscriber {
  const copy = client.duplicate()
  copy.on('error', () => undefined)
  const connected = copy.connect().catch(() => undefined)
  return {
    publishCommand: 'PUBLISH',
    async subscribe(channel, onMessage) {
      await connected
      await copy.subscribe(channel, (message) => onMessage(message), true)
    },
    isReady: () => copy.isReady,
    onStateChange: (listener) => watchNodeRedis(copy, listener),
    close: () => closeSentinel(copy),
  }
}

async function closeSentinel(client: NodeRedisSentinelLike): Promise<void> {
  if (!client.isOpen) return
  try {
    await client.close()
  } catch {
    client.destroy()
  }
}
