import { createRequire } from 'node:module'
import type * as NodeRedis from '@redis/client'
import type calculateSlot from 'cluster-key-slot'
import { InvalidOptionError } from '../../errors.js'

/*
 * The packages only a Redis tier needs, loaded the first time one needs them, so that an application
 * with memory tiers only never loads them (the node-redis client alone is hundreds of modules).
 */

let nodeRedis: typeof NodeRedis | undefined
let keySlot: typeof calculateSlot | undefined

/**
 * The node-redis client tiercache creates its own connections with (tiers given a `url` or `cluster`):
 * `@redis/client`, an optional peer dependency, or else the `redis` package, which re-exports it. Only
 * `createClient` and `createCluster` are used, which both export in majors 5 and 6.
 */
export function loadNodeRedis(): typeof NodeRedis {
  nodeRedis ??= loadFirst(['@redis/client', 'redis'], NODE_REDIS_MISSING) as typeof NodeRedis
  return nodeRedis
}

const NODE_REDIS_MISSING =
  'Redis tiers given a url or cluster nodes connect with node-redis: install it next to tiercache (npm install @redis/client), or pass your own connected ioredis or node-redis client as `client`'

/** `cluster-key-slot`: the Redis Cluster hash slot of a key (CRC16 of the key or its `{hash tag}`). */
export function loadKeySlot(): typeof calculateSlot {
  keySlot ??= loadFirst(
    ['cluster-key-slot'],
    'Redis Cluster tiers need cluster-key-slot, a dependency of tiercache that could not be loaded; if you bundle your application, keep it external',
  ) as typeof calculateSlot
  return keySlot
}

/** The first of `names` that loads; `missing` as an InvalidOptionError when none is installed. */
function loadFirst(names: readonly string[], missing: string): unknown {
  const require = createRequire(import.meta.url)
  for (const name of names) {
    try {
      return require(name)
    } catch (error) {
      if (!isNotFound(error, name)) throw error
    }
  }
  throw new InvalidOptionError(missing)
}

/** Whether `error` says `name` itself is not installed (not a module it requires). */
function isNotFound(error: unknown, name: string): boolean {
  const { code, message } = error as { code?: string; message?: string }
  return code === 'MODULE_NOT_FOUND' && typeof message === 'string' && message.includes(`'${name}'`)
}
