import { createClient } from 'redis'
import { type RedisServer, startRedis } from '../../test/support/redis-server.js'
import { loadTiercache, type TiercacheBuild, type TiercacheModule } from './tiercache-build.js'

export type { TiercacheModule }

/** What every workload gets: a private redis-server, a way to count its commands, and the tiercache build to bench. */
export interface BenchEnv {
  readonly redisUrl: string
  readonly redisVersion: string
  /** The package under test: the built dist/, or the TypeScript sources with `--src`. */
  readonly tiercache: TiercacheModule
  /** Which build `tiercache` is, for the report and for worker processes. */
  readonly tiercacheBuild: TiercacheBuild
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
export async function openEnv(build: TiercacheBuild): Promise<BenchEnv> {
  const tiercache = await loadTiercache(build)
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
    tiercacheBuild: build,
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
