import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { integerFlag, parseCommand, stringFlag } from '../args.js'
import { Cleanup, nextSignal } from '../cleanup.js'
import type { Command } from '../command.js'
import { UsageError } from '../errors.js'
import { assertRedisServerInstalled, type LocalRedis, startLocalRedis } from '../redis/local-server.js'
import { isPresetName, PRESETS } from '../redis/presets.js'

const HELP = `Usage: tiercache redis up [--preset hot-warm|app-redis] [--port N] [--dir DIR]

Starts local redis-server processes configured for a tiercache stack, prints their URLs and the
environment variables the demo, the example service and the other commands read, and keeps them
running until Ctrl-C (then stops them and removes their files).

Presets:
  hot-warm   (default) "hot": no persistence, allkeys-lfu, maxmemory 64mb;
             "warm": AOF (appendfsync everysec), volatile-lru, maxmemory 256mb
  app-redis  one "redis" server: no persistence, allkeys-lfu, maxmemory 128mb

Options:
  --preset NAME   which servers to start (default hot-warm)
  --port N        port of the first server, the next ones count up (default: free ports)
  --dir DIR       keep the servers' files (the warm tier's AOF) in DIR instead of a temporary directory
  -h, --help      this help`

export const redisCommand: Command = {
  async run(argv) {
    const [sub, ...rest] = argv
    if (sub === undefined || sub === '--help' || sub === '-h') {
      console.log(HELP)
      return sub === undefined ? 2 : 0
    }
    if (sub !== 'up') throw new UsageError(`unknown redis sub-command "${sub}"`, 'redis up')
    const { flags, help } = parseCommand('redis up', rest, {
      preset: { type: 'string' },
      port: { type: 'string' },
      dir: { type: 'string' },
    })
    if (help) {
      console.log(HELP)
      return 0
    }
    const preset = stringFlag(flags, 'preset') ?? 'hot-warm'
    if (!isPresetName(preset))
      throw new UsageError(`--preset must be hot-warm or app-redis; got "${preset}"`, 'redis up')
    const firstPort = integerFlag(flags, 'port', 'redis up', { fallback: 0, min: 1, max: 65_535 })
    assertRedisServerInstalled()

    const cleanup = new Cleanup()
    const stop = nextSignal()
    try {
      const keep = stringFlag(flags, 'dir')
      const parentDir = keep ? path.resolve(keep) : mkdtempSync(path.join(tmpdir(), 'tiercache-redis-'))
      if (!keep) cleanup.removeDirectory(parentDir)
      const servers: LocalRedis[] = []
      for (const [index, server] of PRESETS[preset].entries()) {
        const port = firstPort === 0 ? 0 : firstPort + index
        const started = await startLocalRedis(server.name, server.args, { parentDir, port })
        cleanup.add(() => started.stop())
        servers.push(started)
      }
      for (const [index, server] of servers.entries()) {
        const spec = PRESETS[preset][index]
        console.log(
          `${server.name.padEnd(6)} ${server.url}  role ${spec?.role ?? '-'}  pid ${server.pid}  files ${server.dir}`,
        )
      }
      for (const [index, server] of servers.entries())
        console.log(`export ${PRESETS[preset][index]?.env}=${server.url}`)
      console.log('Redis tiers are up. Press Ctrl-C to stop them.')
      const died = servers.map((server) =>
        server.exited.then((how) => ({ died: `redis-server "${server.name}" stopped by itself (${how})` })),
      )
      type Outcome = { signal: NodeJS.Signals } | { died: string }
      const signalled: Promise<Outcome> = stop.signal.then((signal) => ({ signal }))
      let outcome: Outcome = await Promise.race([signalled, ...died])
      if ('died' in outcome) {
        // A terminal's Ctrl-C reaches the servers too, and one may be gone before our handler ran.
        const grace = new Promise<Outcome>((resolve) => setTimeout(resolve, 300, outcome))
        outcome = await Promise.race([signalled, grace])
      }
      if ('died' in outcome) {
        console.error(`${outcome.died}; stopping the others`)
        return 1
      }
      console.log(`\n${outcome.signal}: stopping ${servers.map((server) => server.name).join(', ')}`)
      return 0
    } finally {
      await cleanup.run()
      stop.dispose()
    }
  },
}
