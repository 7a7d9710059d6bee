import { createClient } from 'redis'
import * as tiercacheSources from '../../src/index.js'
import { type RedisServer, startRedis } from '../../test/support/redis-server.js'

export type TiercacheModule = typeof tiercacheSources

/** What every workload gets: a private redis-server, a way to count its commands, and the tiercache build to bench. */
export interface BenchEnv {
  readonly redisUrl: string
  readonly redisVersion: string
  /** The package under test: the TypeScript sources, or the built dist/ with `--dist`. */
  readonly tiercache: TiercacheModule
  /** Which build `tiercache` is, for the report. */
  readonly tiercacheBuild: 'src' | 'dist'
  /** Commands the server has processed so far (excluding the probe's own queries). */
  commandsProcessed(): Promise<number>
  /** CPU seconds (user + system) the server has used so far. */
  serverCpuSeconds(): Promise<number>
  /** Empties the bench server (FLUSHALL), for runs that start from empty caches. */
  flushAll(): Promise<void>
  close(): Promise<void>
}

/**
 * Starts a fresh redis-server on a free port (never the machine's shared instance), with no
 * persistence, and a probe connection that reads `INFO stats`.
 */
export async function openEnv(dist: boolean): Promise<BenchEnv> {
  const tiercache = dist ? await loadDist() : tiercacheSources
  const server: RedisServer = await startRedis()
  const probe = createClient({ url: server.url })
  probe.on('error', () => undefined)
  try {
    await probe.connect()
  } catch (error) {
    await server.stop()
    throw error
  }
  const info = async (section: string) => String(await probe.sendCommand(['INFO', section]))
  const redisVersion = /redis_version:(\S+)/.exec(await info('server'))?.[1] ?? 'unknown'
  let probeQueries = 0
  return {
    redisUrl: server.url,
    redisVersion,
    tiercache,
    tiercacheBuild: dist ? 'dist' : 'src',
    async commandsProcessed() {
      const stats = await info('stats')
      // The server counts a command once it has run, so this INFO is not in its own answer.
      const total = Number(/total_commands_processed:(\d+)/.exec(stats)?.[1] ?? Number.NaN)
      return total - probeQueries++
    },
    async serverCpuSeconds() {
      const cpu = await info('cpu')
      probeQueries++
      const seconds = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(cpu)?.[1] ?? Number.NaN)
      return seconds('used_cpu_user') + seconds('used_cpu_sys')
    },
    async flushAll() {
      await probe.sendCommand(['FLUSHALL'])
      probeQueries++
    },
    async close() {
      await probe.close().catch(() => undefined)
      await server.stop()
    },
  }
}

async function loadDist(): Promise<TiercacheModule> {
  // A computed specifier keeps the type checker from requiring a build.
  const specifier = new URL('../../dist/index.js', import.meta.url).href
  try {
    return (await import(specifier)) as TiercacheModule
  } catch (error) {
    throw new Error(`--dist needs a build; run \`npm run build\` first (${String(error)})`)
  }
}
