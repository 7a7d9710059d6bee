import { InvalidOptionError } from '../errors.js'
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

/**
 * Wraps a node-redis or ioredis client, single server or cluster; throws a typed error for anything
 * else. Cluster clients are recognised first: a node-redis cluster also has `sendCommand`.
 */
export function toConnection(client: unknown, owned: boolean): RedisConnection {
  if (isNodeRedisCluster(client)) return fromNodeRedisCluster(client, owned)
  if (isIoredisCluster(client)) return fromIoredisCluster(client, owned)
  if (isNodeRedisClient(client)) return fromNodeRedis(client, owned)
  if (isIoredisClient(client)) return fromIoredis(client, owned)
  throw new InvalidOptionError(
    'redisTier client must be a node-redis client (createClient or createCluster) or an ioredis client (Redis or Cluster)',
  )
}
