import { InvalidOptionError } from '../../errors.js'
import type { IoredisClusterLike, NodeRedisClusterLike } from './cluster-clients.js'
import {
  ioredisClusterChannel,
  nodeRedisClusterChannel,
  renewableSubscriber,
  watch,
} from './cluster-subscriber.js'
import {
  fromIoredis,
  fromNodeRedis,
  type NodeRedisLike,
  type RedisArgument,
  type RedisConnection,
} from './connection.js'

/**
 * Redis Cluster behind the same {@link RedisConnection} adapter. Routing, redirections (MOVED/ASK),
 * topology refresh and failover handling are the client's own (node-redis `createCluster`, ioredis
 * `Cluster`); this file only maps our calls onto them.
 */

export function isNodeRedisCluster(client: unknown): client is NodeRedisClusterLike {
  return (
    typeof client === 'object' &&
    client !== null &&
    typeof (client as NodeRedisClusterLike).sendCommand === 'function' &&
    typeof (client as NodeRedisClusterLike).nodeClient === 'function' &&
    'masters' in client
  )
}

export function isIoredisCluster(client: unknown): client is IoredisClusterLike {
  return (
    typeof client === 'object' &&
    client !== null &&
    (client as IoredisClusterLike).isCluster === true &&
    typeof (client as IoredisClusterLike).callBuffer === 'function' &&
    typeof (client as IoredisClusterLike).nodes === 'function'
  )
}

/** True for a node-redis or ioredis cluster client. */
export function isClusterClient(client: unknown): boolean {
  return isNodeRedisCluster(client) || isIoredisCluster(client)
}

/**
 * The key a command is routed by: node-redis's cluster client takes it from the caller for raw
 * commands. Covers every command tiercache sends; keyless ones go to any node.
 */
export function routingKey(args: readonly RedisArgument[]): RedisArgument | undefined {
  const name = String(args[0]).toUpperCase()
  if (name === 'EVAL' || name === 'EVALSHA') return Number(String(args[2])) > 0 ? args[3] : undefined
  if (name === 'PUBLISH' || name === 'PING' || name === 'INFO' || name === 'CONFIG') return undefined
  return args[1]
}

// Bulk strings as Buffers and no per-command timeout, as for a single node (see connection.ts).
const NODE_REDIS_OPTIONS = { typeMapping: { 36: Buffer }, timeout: 0 } as const

const NO_TRACKING =
  'client tracking (sync.tracking) is not available on a Redis Cluster tier; the invalidation bus covers tiercache processes'

export function fromNodeRedisCluster(cluster: NodeRedisClusterLike, owned: boolean): RedisConnection {
  return {
    driver: 'node-redis',
    topology: 'cluster',
    isReady: () => cluster.isReady,
    send: (args) => cluster.sendCommand(routingKey(args), undefined, args, NODE_REDIS_OPTIONS),
    onStateChange: (listener) => watch(cluster, ['connect'], ['disconnect'], listener),
    async masters() {
      const clients = await Promise.all(cluster.masters.map((node) => cluster.nodeClient(node as never)))
      return clients.map((client, i) => ({
        ...fromNodeRedis(client as NodeRedisLike, false),
        address: addressOf(cluster.masters[i] as { host?: string; port?: number }),
      }))
    },
    async close() {
      if (owned && cluster.isOpen)
        await (cluster.close?.() ?? Promise.resolve()).catch(() => cluster.destroy?.())
    },
    createSubscriber() {
      const { duplicate } = cluster
      if (typeof duplicate !== 'function')
        throw new InvalidOptionError('this node-redis cluster client cannot be duplicated for pub/sub')
      return renewableSubscriber(() => nodeRedisClusterChannel(duplicate.call(cluster)))
    },
    createTracker() {
      throw new InvalidOptionError(NO_TRACKING)
    },
  }
}

export function fromIoredisCluster(cluster: IoredisClusterLike, owned: boolean): RedisConnection {
  return {
    ...fromIoredis(cluster, owned),
    topology: 'cluster',
    masters: () =>
      Promise.resolve(
        cluster
          .nodes('master')
          .map((node) => ({ ...fromIoredis(node, false), address: addressOf(node.options ?? {}) })),
      ),
    createSubscriber() {
      // Connect at once, and let the subscription wait for the connection (whatever the original's settings).
      const duplicate = () =>
        (cluster as unknown as IoredisClusterDuplicable).duplicate(undefined, {
          shardedSubscribers: true,
          lazyConnect: false,
          enableOfflineQueue: true,
        })
      return renewableSubscriber(() => ioredisClusterChannel(duplicate()))
    },
    createTracker() {
      throw new InvalidOptionError(NO_TRACKING)
    },
  }
}

interface IoredisClusterDuplicable {
  duplicate(
    nodes: undefined,
    options: { shardedSubscribers: boolean; lazyConnect: boolean; enableOfflineQueue: boolean },
  ): IoredisClusterLike
}

/** `host:port`, or undefined when the client does not say. */
function addressOf(node: { host?: string; port?: number }): string | undefined {
  return node.host === undefined || node.port === undefined ? undefined : `${node.host}:${node.port}`
}
