import { spawn, spawnSync } from 'node:child_process'
import calculateSlot from 'cluster-key-slot'
import { answersPing } from '../../src/cli/redis/local-server.js'
import { freePort, type RedisServer, startRedis } from './redis-server.js'
import { waitFor } from './wait.js'

/** A Redis Cluster of redis-server child processes, each with its own port and directory. */
export interface RedisCluster {
  /** Every node, masters first as created (replicas after, when there are any). */
  readonly nodes: readonly RedisServer[]
  /** `redis://` URLs of every node, for `rootNodes`. */
  readonly rootNodes: readonly string[]
  /** The live node currently serving `key`'s slot as master. */
  masterFor(key: string): Promise<RedisServer>
  /** A snapshot of which live master serves each key (one CLUSTER SLOTS for many lookups). */
  owners(): Promise<(key: string) => RedisServer>
  /** The live nodes that are masters now. */
  masters(): Promise<RedisServer[]>
  /** Runs a command on the master of its key (`args[1]`). */
  command(...args: string[]): Promise<unknown>
  /** Polls until every live node reports `cluster_state:ok` and agrees on the masters. */
  waitHealthy(timeoutMs?: number): Promise<void>
  /** Polls until every live replica has a live link to its master (so a failover can promote it). */
  waitForReplicas(): Promise<void>
  /** Stops every node (by pid) and removes their directories. */
  stop(): Promise<void>
}

export interface ClusterOptions {
  masters?: number
  /** Replicas per master (0 or 1). */
  replicas?: 0 | 1
  /** Extra redis-server arguments for every node. */
  args?: string[]
}

/** Fails with install instructions when redis-cli (needed to create a cluster) is missing. */
function assertRedisCli(): void {
  const probe = spawnSync('redis-cli', ['--version'], { encoding: 'utf8' })
  if (probe.error || probe.status !== 0) {
    throw new Error(
      [
        'redis-cli is not installed (or not on PATH); the Redis Cluster tests create clusters with it.',
        'Install it with:  sudo apt-get install redis-tools   (Debian/Ubuntu; redis-server brings it too)',
        '             or:  brew install redis                 (macOS)',
      ].join('\n'),
    )
  }
}

/**
 * Starts `masters × (1 + replicas)` nodes with `cluster-enabled yes`, joins them with
 * `redis-cli --cluster create`, and waits (polling, with a deadline) for `cluster_state:ok` on every
 * node. A short node timeout lets a test see a failover within a couple of seconds. Every node started
 * is stopped again if anything fails.
 */
export async function startRedisCluster(options: ClusterOptions = {}): Promise<RedisCluster> {
  assertRedisCli()
  const count = (options.masters ?? 3) * (1 + (options.replicas ?? 0))
  const started: RedisServer[] = []
  try {
    const nodes = await Promise.all(
      Array.from({ length: count }, async () => {
        const node = await startRedis({
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-node-timeout',
            '1000',
            // The cluster bus would default to port + 10000, which may be taken: give it a free port too.
            '--cluster-port',
            String(await freePort()),
            ...(options.args ?? []),
          ],
        })
        started.push(node)
        return node
      }),
    )
    await createCluster(nodes, options.replicas ?? 0)
    const cluster = clusterOf(nodes)
    await cluster.waitHealthy(20_000)
    if (options.replicas) await waitForReplicas(cluster)
    return cluster
  } catch (error) {
    await Promise.all(started.map((node) => node.stop().catch(() => undefined)))
    throw error
  }
}

function createCluster(nodes: readonly RedisServer[], replicas: number): Promise<void> {
  const args = [
    '--cluster',
    'create',
    ...nodes.map((node) => `127.0.0.1:${node.port}`),
    '--cluster-replicas',
    String(replicas),
    '--cluster-yes',
  ]
  return new Promise((resolve, reject) => {
    const child = spawn('redis-cli', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    child.on('error', reject)
    child.on('exit', (code) => {
      clearTimeout(timer)
      if (code === 0 && output.includes('[OK] All 16384 slots covered')) resolve()
      else reject(new Error(`redis-cli --cluster create failed (exit ${code}):\n${output}`))
    })
  })
}

function clusterOf(nodes: readonly RedisServer[]): RedisCluster {
  const alive = async () => {
    const up = await Promise.all(nodes.map((node) => answersPing(node.port)))
    return nodes.filter((_, i) => up[i])
  }
  const cluster: RedisCluster = {
    nodes,
    rootNodes: nodes.map((node) => node.url),
    async masters() {
      const masters: RedisServer[] = []
      for (const node of await alive()) {
        if (String(await node.command('ROLE')).startsWith('master')) masters.push(node)
      }
      return masters
    },
    async masterFor(key) {
      return (await cluster.owners())(key)
    },
    async owners() {
      const up = await alive()
      const ranges = (await (up[0] as RedisServer).command('CLUSTER', 'SLOTS')) as [
        number,
        number,
        [string, number],
      ][]
      return (key) => {
        const slot = calculateSlot(key)
        const range = ranges.find(([from, to]) => slot >= from && slot <= to)
        const node = up.find((candidate) => candidate.port === range?.[2][1])
        if (!node) throw new Error(`no live master serves slot ${slot} (key ${key})`)
        return node
      }
    },
    async command(...args) {
      const node = await cluster.masterFor(args[1] as string)
      return node.command(...args)
    },
    async waitHealthy(timeoutMs = 15_000) {
      await waitFor(
        async () => {
          const up = await alive()
          const states = await Promise.all(up.map((node) => node.command('CLUSTER', 'INFO')))
          if (!states.every((info) => String(info).includes('cluster_state:ok'))) return false
          // Every live node agrees on who serves each slot, and each of those masters is alive (right
          // after a kill the others still believe in the dead master until they time it out).
          const views = await Promise.all(
            up.map(async (node) => stripReplicas(JSON.stringify(await node.command('CLUSTER', 'SLOTS')))),
          )
          const livePorts = new Set(up.map((node) => node.port))
          const masterPorts = (JSON.parse(views[0] as string) as [number, number, number][]).map(
            ([, , port]) => port,
          )
          return views.every((view) => view === views[0]) && masterPorts.every((port) => livePorts.has(port))
        },
        { timeoutMs, intervalMs: 100, what: 'cluster_state:ok on every node' },
      )
    },
    waitForReplicas: () => waitForReplicas(cluster),
    async stop() {
      await Promise.all(nodes.map((node) => node.stop().catch(() => undefined)))
    },
  }
  return cluster
}

/** The masters' part of a CLUSTER SLOTS reply (replica lists may be reported in another order). */
function stripReplicas(view: string): string {
  const ranges = JSON.parse(view) as [number, number, [string, number], ...unknown[]][]
  return JSON.stringify(
    ranges.map(([from, to, master]) => [from, to, master[1]]).sort((a, b) => Number(a[0]) - Number(b[0])),
  )
}

/** Polls until every replica has a live link to its master (so a failover can promote it). */
async function waitForReplicas(cluster: RedisCluster): Promise<void> {
  await waitFor(
    async () => {
      const live = await Promise.all(cluster.nodes.map((node) => answersPing(node.port)))
      const nodes = cluster.nodes.filter((_, i) => live[i])
      const roles = await Promise.all(nodes.map((node) => node.command('INFO', 'replication')))
      return roles
        .map(String)
        .filter((info) => info.includes('role:slave'))
        .every((info) => info.includes('master_link_status:up'))
    },
    { timeoutMs: 15_000, intervalMs: 100, what: 'every replica in sync' },
  )
}
