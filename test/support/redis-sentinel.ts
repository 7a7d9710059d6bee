import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { type RedisServer, startRedis } from './redis-server.js'
import { waitFor } from './wait.js'

/** A master, one replica and one sentinel watching them, each its own redis-server process. */
export interface RedisSentinelSetup {
  readonly name: string
  readonly master: RedisServer
  readonly replica: RedisServer
  readonly sentinel: RedisServer
  /** The `host:port` the sentinel names as master now. */
  masterAddress(): Promise<string>
  stop(): Promise<void>
}

/**
 * Starts a replicated pair and a sentinel that fails the master over after 1 s without an answer
 * (quorum 1). Resolves once the replica is in sync and the sentinel has seen both.
 */
export async function startRedisSentinel(name = 'tiercache'): Promise<RedisSentinelSetup> {
  const master = await startRedis()
  const replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(master.port)] })
  const configDir = mkdtempSync(path.join(tmpdir(), 'tiercache-sentinel-'))
  const config = path.join(configDir, 'sentinel.conf')
  writeFileSync(
    config,
    [
      `sentinel monitor ${name} 127.0.0.1 ${master.port} 1`,
      `sentinel down-after-milliseconds ${name} 1000`,
      `sentinel failover-timeout ${name} 3000`,
      '',
    ].join('\n'),
  )
  const sentinel = await startRedis({ config, args: ['--sentinel'] })
  const masterAddress = async () => {
    const [host, port] = (await sentinel.command('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as string[]
    return `${host}:${port}`
  }
  await waitFor(
    async () => String(await replica.command('INFO', 'replication')).includes('master_link_status:up'),
    {
      timeoutMs: 15_000,
      what: 'the replica to sync with its master',
    },
  )
  await waitFor(
    async () => ((await sentinel.command('SENTINEL', 'REPLICAS', name)) as unknown[]).length === 1,
    { timeoutMs: 15_000, what: 'the sentinel to discover the replica' },
  )
  return {
    name,
    master,
    replica,
    sentinel,
    masterAddress,
    async stop() {
      await Promise.all([sentinel.stop(), replica.stop(), master.stop()])
      rmSync(configDir, { recursive: true, force: true })
    },
  }
}
