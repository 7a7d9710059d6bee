/**
 * A separate application process for cross-process tests, started with fork(). Modes (env MODE):
 * - "stampede": on "start", fires CALLERS concurrent getOrLoad of KEY and reports its part ("part":
 *   `loading` once its loader runs, `waiting` once it waits for another process's lease); the loader
 *   returns on "release". Then reports how many times its loader ran and when every caller had its value.
 * - "hold": calls getOrLoad of KEY with a loader that never finishes, reporting "loading" once it
 *   runs (it then holds the key's lease until killed).
 * The hot tier is HOT_URL (one server) or HOT_CLUSTER (comma-separated root nodes of a cluster).
 */
import { createCache, memoryTier, redisTier } from '../../src/index.js'
import { waitFor } from './wait.js'

const mode = process.env.MODE
const key = process.env.KEY ?? 'key'
const cache = createCache({
  namespace: process.env.NAMESPACE ?? 'worker',
  tiers: [
    memoryTier(),
    process.env.HOT_CLUSTER
      ? redisTier({ name: 'hot', cluster: { rootNodes: process.env.HOT_CLUSTER.split(',') } })
      : redisTier({ name: 'hot', url: process.env.HOT_URL as string }),
  ],
  load: { lease: { ttl: process.env.LEASE_TTL ?? '10s', pollInterval: '50ms' } },
})

async function stampede(): Promise<void> {
  const callers = Number(process.env.CALLERS ?? 250)
  const released = new Promise<void>((resolve) => process.on('message', (m) => m === 'release' && resolve()))
  let part: 'loading' | 'waiting' | undefined
  const tell = (role: 'loading' | 'waiting') => {
    if (part !== undefined) return
    part = role
    process.send?.({ type: 'part', role })
  }
  let loaderCalls = 0
  const loader = async () => {
    loaderCalls++
    tell('loading')
    await released
    return `value of ${key}`
  }
  void waitFor(() => part !== undefined || cache.stats().leaseWaits > 0, { timeoutMs: 30_000 }).then(
    () => tell('waiting'),
    () => undefined,
  )
  const started = performance.timeOrigin + performance.now()
  const results = await Promise.allSettled(
    Array.from({ length: callers }, () => cache.getOrLoad(key, loader)),
  )
  const finished = performance.timeOrigin + performance.now()
  const errors = results
    .filter((result) => result.status === 'rejected')
    .map((result) => String((result as PromiseRejectedResult).reason))
  const values = new Set(
    results
      .filter((result) => result.status === 'fulfilled')
      .map((result) => (result as PromiseFulfilledResult<string>).value),
  )
  process.send?.({ type: 'result', loaderCalls, errors, values: [...values], started, finished })
}

async function hold(): Promise<void> {
  await cache.getOrLoad(key, () => {
    process.send?.({ type: 'loading' })
    return new Promise<string>(() => undefined)
  })
}

async function main(): Promise<void> {
  await cache.ready({ timeout: '5s' })
  process.send?.({ type: 'ready' })
  if (mode === 'stampede') {
    await new Promise<void>((resolve) => process.once('message', () => resolve()))
    await stampede()
    await cache.close()
  } else if (mode === 'hold') {
    await hold()
  }
}

main().catch((error: unknown) => {
  process.send?.({ type: 'error', error: String(error) })
  process.exit(1)
})
