import { InvalidOptionError } from '../../errors.js'
import { loadNodeRedis } from './redis-modules.js'

export type RedisArgument = string | Buffer

/**
 * The little tiercache needs from a Redis client: send a raw command with binary replies, and say
 * whether the connection is usable right now. node-redis and ioredis both fit behind it.
 */
export interface RedisConnection {
  readonly driver: 'node-redis' | 'ioredis'
  /** `'cluster'` for a Redis Cluster client: keys live in 16384 hash slots spread over masters. */
  readonly topology: 'standalone' | 'cluster'
  /** True when a command sent now would go out at once (not into an offline queue). */
  isReady(): boolean
  /** Sends a command; bulk-string replies come back as Buffers. */
  send(args: readonly RedisArgument[]): Promise<unknown>
  /** Calls `listener` whenever the connection becomes ready or stops being ready. Returns an unsubscribe. */
  onStateChange(listener: (ready: boolean) => void): () => void
  /** A connection to each master: this one for a single server, one per master node of a cluster. */
  masters(): Promise<RedisConnection[]>
  /** `host:port` of the server, where the client says (a cluster's master connections). */
  readonly address?: string
  /** Closes the client if tiercache created it; leaves a caller's client alone. */
  close(): Promise<void>
  /** A second connection to the same server for SUBSCRIBE (owned and closed by the caller). */
  createSubscriber(): RedisSubscriber
  /**
   * A second, RESP3 connection that receives key invalidations (CLIENT TRACKING push messages).
   * Always a node-redis client, whatever the driver of this one.
   */
  createTracker(): RedisTracker
}

/** A pub/sub connection. It re-subscribes by itself after a reconnect. */
export interface RedisSubscriber {
  /** The command that reaches this subscriber: SPUBLISH once it subscribed to a sharded channel. */
  readonly publishCommand: 'PUBLISH' | 'SPUBLISH'
  subscribe(channel: string, onMessage: (message: Buffer) => void): Promise<void>
  /**
   * Starts over with a new connection and subscribes again (cluster subscribers: a sharded
   * subscription does not follow its shard's failover by itself). The bus calls it while its own
   * heartbeats do not come back.
   */
  renew?(): Promise<void>
  isReady(): boolean
  onStateChange(listener: (ready: boolean) => void): () => void
  close(): Promise<void>
}

/** A connection with client-side-caching invalidations: `null` means "everything" (a flush). */
export interface RedisTracker extends RedisConnection {
  onInvalidate(listener: (key: Buffer | null) => void): () => void
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
  connect?(): Promise<unknown>
  duplicate?(overrides?: object): NodeRedisLike
  subscribe?(
    channel: string,
    listener: (message: Buffer, channel: Buffer) => void,
    bufferMode: true,
  ): Promise<unknown>
  /** The client's resolved options; its socket options (host, TLS settings) are kept by our duplicates. */
  readonly options?: {
    readonly socket?: { readonly host?: string; readonly port?: number; readonly path?: string }
  }
}

/** The structural slice of an ioredis client we use. */
export interface IoredisLike {
  readonly status: string
  callBuffer(command: string, ...args: RedisArgument[]): Promise<unknown>
  on(event: string, listener: (...args: unknown[]) => void): unknown
  off(event: string, listener: (...args: unknown[]) => void): unknown
  quit(): Promise<unknown>
  duplicate?(): IoredisLike
  subscribe?(...channels: string[]): Promise<unknown>
  readonly options?: {
    host?: string
    port?: number
    username?: string
    password?: string
    db?: number
    tls?: object
  }
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

// node-redis: bulk strings as Buffers, and no per-command timeout. Its default 5 s timeout allocates an
// AbortSignal per command and costs several times the throughput; tiers enforce their own deadlines.
const NODE_REDIS_OPTIONS = { typeMapping: { 36: Buffer }, timeout: 0 } as const

export function fromNodeRedis(client: NodeRedisLike, owned: boolean): RedisConnection {
  const connection: RedisConnection = {
    driver: 'node-redis',
    topology: 'standalone',
    address: hostAndPort(client.options?.socket),
    isReady: () => client.isReady,
    send: (args) => client.sendCommand(args, NODE_REDIS_OPTIONS),
    onStateChange: (listener) => watchNodeRedis(client, listener),
    masters: () => Promise.resolve([connection]),
    async close() {
      if (owned) await closeNodeRedis(client)
    },
    createSubscriber: () => nodeRedisSubscriber(duplicateNodeRedis(client, {})),
    createTracker: () =>
      nodeRedisTracker(
        duplicateNodeRedis(client, { RESP: 3, emitInvalidate: true, disableOfflineQueue: true }),
      ),
  }
  return connection
}

/** `host:port` from a client's socket options, for tracing; `undefined` for a Unix socket or none given. */
function hostAndPort(socket: { host?: string; port?: number } | undefined): string | undefined {
  if (socket?.port === undefined) return undefined
  return `${socket.host ?? '127.0.0.1'}:${socket.port}`
}

export function fromIoredis(client: IoredisLike, owned: boolean): RedisConnection {
  const connection: RedisConnection = {
    driver: 'ioredis',
    topology: 'standalone',
    address: hostAndPort(client.options),
    isReady: () => client.status === 'ready',
    send: ([command, ...args]) => client.callBuffer(String(command), ...args),
    onStateChange: (listener) => followIoredisState(client, listener),
    masters: () => Promise.resolve([connection]),
    async close() {
      if (owned && client.status !== 'end') await client.quit()
    },
    createSubscriber() {
      if (typeof client.duplicate !== 'function')
        throw new InvalidOptionError('this ioredis client cannot be duplicated for pub/sub')
      return ioredisSubscriber(client.duplicate())
    },
    createTracker() {
      // CLIENT TRACKING needs RESP3 push messages, which node-redis provides: connect one to the same server.
      const { host = '127.0.0.1', port = 6379, username, password, db, tls } = client.options ?? {}
      const tracker = loadNodeRedis().createClient({
        // ioredis' `tls` holds the TLS settings (ca, cert, key, …) of tls.connect.
        socket: {
          host,
          port,
          reconnectStrategy: reconnectDelay,
          ...(tls ? { ...tls, tls: true as const } : {}),
        },
        username,
        password,
        database: db,
        RESP: 3,
        emitInvalidate: true,
        disableOfflineQueue: true,
      })
      tracker.on('error', () => undefined)
      tracker.connect().catch(() => undefined)
      return nodeRedisTracker(tracker as unknown as NodeRedisLike)
    },
  }
  return connection
}

/** Reconnect quickly (a cache tier should come back within a second of its server). */
export function reconnectDelay(retries: number): number {
  return Math.min(50 * 2 ** retries, 500)
}

/** Calls `listener` as a node-redis client (single server or Sentinel) becomes ready or stops being ready. */
export function watchNodeRedis(
  client: Pick<NodeRedisLike, 'on' | 'off'>,
  listener: (ready: boolean) => void,
): () => void {
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
}

async function closeNodeRedis(client: NodeRedisLike): Promise<void> {
  if (!client.isOpen) return
  // A client that is reconnecting would wait for the server before closing gracefully.
  if (!client.isReady) {
    // node-redis does not abort a connection attempt under way: its socket connects and turns ready
    // after destroy(), and would stay open. Destroy it again when that happens.
    const late = () => {
      client.off('ready', late)
      client.destroy?.()
    }
    client.on('ready', late)
    client.destroy?.()
    return
  }
  try {
    await (client.close?.() ?? client.quit?.())
  } catch {
    client.destroy?.()
  }
}

/** A connected duplicate of a node-redis client (same server, credentials and TLS settings, its own socket). */
function duplicateNodeRedis(client: NodeRedisLike, overrides: object): NodeRedisLike {
  if (typeof client.duplicate !== 'function')
    throw new InvalidOptionError('this node-redis client cannot be duplicated')
  // `socket` replaces the client's socket options whole, so start from them (TLS ca/cert/key among them).
  const socket = { ...client.options?.socket, reconnectStrategy: reconnectDelay }
  const copy = client.duplicate({ socket, ...overrides })
  copy.on('error', () => undefined)
  copy.connect?.().catch(() => undefined)
  return copy
}

function nodeRedisSubscriber(client: NodeRedisLike): RedisSubscriber {
  return {
    publishCommand: 'PUBLISH',
    async subscribe(channel, onMessage) {
      await client.subscribe?.(channel, (message) => onMessage(message), true)
    },
    isReady: () => client.isReady,
    onStateChange: (listener) => watchNodeRedis(client, listener),
    close: () => closeNodeRedis(client),
  }
}

function nodeRedisTracker(client: NodeRedisLike): RedisTracker {
  return {
    ...fromNodeRedis(client, true),
    onInvalidate(listener) {
      const handler = (key: unknown) =>
        listener(
          key === null || key === undefined ? null : Buffer.isBuffer(key) ? key : Buffer.from(String(key)),
        )
      client.on('invalidate', handler)
      return () => client.off('invalidate', handler)
    },
  }
}

function ioredisSubscriber(client: IoredisLike): RedisSubscriber {
  return {
    publishCommand: 'PUBLISH',
    async subscribe(channel, onMessage) {
      client.on('messageBuffer', (from: unknown, message: unknown) => {
        if (String(from) === channel && Buffer.isBuffer(message)) onMessage(message)
      })
      await client.subscribe?.(channel)
    },
    isReady: () => client.status === 'ready',
    onStateChange: (listener) => followIoredisState(client, listener),
    async close() {
      if (client.status !== 'end') await client.quit().catch(() => undefined)
    },
  }
}

/** Calls `listener` with true when an ioredis client becomes ready and false when it closes; returns the unsubscribe. */
function followIoredisState(
  client: {
    on(event: string, listener: () => void): unknown
    off(event: string, listener: () => void): unknown
  },
  listener: (up: boolean) => void,
): () => void {
  const up = () => listener(true)
  const down = () => listener(false)
  client.on('ready', up)
  client.on('close', down)
  return () => {
    client.off('ready', up)
    client.off('close', down)
  }
}
