import type { Workload } from '../lib/workload.js'
import { l1Hit } from './l1-hit.js'
import { l1Scale1m, l1Scale10k, l1Scale100k } from './l1-scale.js'
import { missPath, missPathLink } from './miss-path.js'
import { missPathOneRedis } from './miss-path-one-redis.js'
import { redisHit } from './redis-hit.js'
import { zipf } from './zipf.js'
import { zipfCold, zipfOneRedis } from './zipf-one-redis.js'

/** Every workload, in the order `npm run bench` runs them. Add new ones here. */
export const workloads: readonly Workload[] = [
  l1Hit,
  redisHit,
  missPath,
  missPathLink,
  missPathOneRedis,
  zipf,
  zipfOneRedis,
  zipfCold,
  l1Scale10k,
  l1Scale100k,
  l1Scale1m,
]
