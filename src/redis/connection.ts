import { InvalidOptionError } from '../errors.js'

export type RedisArgument = string | Buffer

/**
 * The little tiercache needs from a Redis client: send a raw command with binary replies, and say
 * whether the connection is usable right now. node-redis and ioredis both fit behind it.
 */
export interface RedisConnection {
  readonly driver: 'node-redis' | 'ioredis'
  /** True when a command sent now would go out at once (not into an offline queue). */
  isReady(): boolean
  /** Sends a command; bulk-string replies come back as Buffers. */
  send(args: readonly RedisArgument[]): Promise<unknown>
  /** Calls `listener` whenever the connection becomes ready or stops being ready. Returns an unsubscribe. */
  onStateChange(listener: (ready: boolean) => void): () => void
  /** Closes the client if tiercache created it; leaves a caller's client alone. */
  close(): Promise<void>
}

/** The structural slice of a node-redis (v5/v6) client we use. */
export interface NodeRedisLike {
  readonly isReady: boolean
  readonly isOpen: boolean
  sendCommand(args: readonly RedisArgument[], options?: object): Promise<unknown>
  on(event: string, listener: (...args: unknown[]) => void): unknown
  off(event: string, listener: (...args: unknown[]) => void): unknown
  close?(): Promise<unknown>
  quit?(): Promise<unknown>
  destroy?(): unknown
}

/** The structural slice of an ioredis client we use. */
export interface IoredisLike {
  readonly status: string
  callBuffer(command: string, ...args: RedisArgument[]): Promise<unknown>
  on(event: string, listener: (...args: unknown[]) => void): unknown
  off(event: string, listener: (...args: unknown[]) => void): unknown
  quit(): Promise<unknown>
}

export function isNodeRedisClient(client: unknown): client is NodeRedisLike {
  return (
    typeof client === 'object' &&
    client !== null &&
    typeof (client as NodeRedisLike).sendCommand === 'function' &&
    'isReady' in client
  )
}

export function isIoredisClient(client: unknown): client is IoredisLike {
  return (
    typeof client === 'object' &&
    client !== null &&
    typeof (client as IoredisLike).callBuffer === 'function' &&
    'status' in client
  )
}

/** Wraps a node-redis or ioredis client; throws a typed error for anything else. */
export function toConnection(client: unknown, owned: boolean): RedisConnection {
  if (isNodeRedisClient(client)) return fromNodeRedis(client, owned)
  if (isIoredisClient(client)) return fromIoredis(client, owned)
  throw new InvalidOptionError(
    'redisTier client must be a node-redis client (createClient) or an ioredis client',
  )
}

// node-redis: bulk strings as Buffers, and no per-command timeout. Its default 5 s timeout allocates an
// AbortSignal per command and costs several times the throughput; tiers enforce their own deadlines.
const NODE_REDIS_OPTIONS = { typeMapping: { 36: Buffer }, timeout: 0 } as const

export function fromNodeRedis(client: NodeRedisLike, owned: boolean): RedisConnection {
  return {
    driver: 'node-redis',
    isReady: () => client.isReady,
    send: (args) => client.sendCommand(args, NODE_REDIS_OPTIONS),
    onStateChange(listener) {
      const up = () => listener(true)
      const down = () => listener(false)
      client.on('ready', up)
      client.on('end', down)
      client.on('reconnecting', down)
      return () => {
        client.off('ready', up)
        client.off('end', down)
        client.off('reconnecting', down)
      }
    },
    async close() {
      if (!owned) return
      if (client.isOpen) await (client.close?.() ?? client.quit?.())
    },
  }
}

export function fromIoredis(client: IoredisLike, owned: boolean): RedisConnection {
  return {
    driver: 'ioredis',
    isReady: () => client.status === 'ready',
    send: ([command, ...args]) => client.callBuffer(String(command), ...args),
    onStateChange(listener) {
      const up = () => listener(true)
      const down = () => listener(false)
      client.on('ready', up)
      client.on('close', down)
      return () => {
        client.off('ready', up)
        client.off('close', down)
      }
    },
    async close() {
      if (owned && client.status !== 'end') await client.quit()
    },
  }
}
