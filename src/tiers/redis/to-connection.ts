import { InvalidOptionError } from '../../errors.js'
import {
  fromIoredisCluster,
  fromNodeRedisCluster,
  isIoredisCluster,
  isNodeRedisCluster,
} from './cluster-connection.js'
import {
  fromIoredis,
  fromNodeRedis,
  isIoredisClient,
  isNodeRedisClient,
  type RedisConnection,
} from './connection.js'
import { fromNodeRedisSentinel, isNodeRedisSentinel } from './sentinel-connection.js'

/**
 * Wraps a node-redis or ioredis client, single server or cluster; throws a typed error for anything
 * else. Cluster and Sentinel clients are recognised first: both also have `sendCommand`.
 */
export function toConnection(client: unknown, owned: boolean): RedisConnection {
  if (isNodeRedisCluster(client)) return fromNodeRedisCluster(client, owned)
  if (isIoredisCluster(client)) return fromIoredisCluster(client, owned)
  if (isNodeRedisSentinel(client)) return fromNodeRedisSentinel(client, owned)
  if (isNodeRedisClient(client)) return fromNodeRedis(client, owned)
  if (isIoredisClient(client)) return fromIoredis(client, owned)
  throw new InvalidOptionError(
    'redisTier client must be a node-redis client (createClient, createCluster or createSentinel) or an ioredis client (Redis or Cluster)',
  )
}
