import type { Workload } from '../lib/workload.js'
import { l1Hit } from './l1-hit.js'
import { redisHit } from './redis-hit.js'

/** Every workload, in the order `npm run bench` runs them. Add new ones here. */
export const workloads: readonly Workload[] = [l1Hit, redisHit]
