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

/** `@redis/client`, the node-redis client tiercache creates its own connections with. */
export function loadNodeRedis(): typeof NodeRedis {
  nodeRedis ??= load('@redis/client') as typeof NodeRedis
  return nodeRedis
}

/** `cluster-key-slot`: the Redis Cluster hash slot of a key (CRC16 of the key or its `{hash tag}`). */
export function loadKeySlot(): typeof calculateSlot {
  keySlot ??= load('cluster-key-slot') as typeof calculateSlot
  return keySlot
}

function load(name: string): unknown {
  try {
    return createRequire(import.meta.url)(name)
  } catch (error) {
    if ((error as { code?: string }).code !== 'MODULE_NOT_FOUND') throw error
    throw new InvalidOptionError(
      `Redis tiers need ${name}, a dependency of tiercache that could not be loaded; if you bundle your application, keep ${name} external (or install it next to tiercache)`,
    )
  }
}
