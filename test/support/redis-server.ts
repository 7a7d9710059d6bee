import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createClient } from 'redis'
import { answersPing } from '../../src/cli/redis/local-server.js'
import { freePort } from './ports.js'

export { freePort }

/** A redis-server child process owned by a test: its own port and directory, stopped by pid. */
export interface RedisServer {
  readonly port: number
  readonly url: string
  readonly dir: string
  readonly pid: number | undefined
  /** SIGKILL, then wait for the process to be gone. */
  kill9(): Promise<void>
  /** Starts the server again on the same port, directory and arguments. */
  restart(): Promise<void>
  /** SIGSTOP / SIGCONT: the server keeps its connections but stops answering. */
  pause(): void
  resume(): void
  /** Runs one command on a short-lived connection. */
  command(...args: string[]): Promise<unknown>
  /** Graceful stop (SIGTERM, SIGKILL after 5 s) and removal of the directory. */
  stop(): Promise<void>
}

const running = new Set<ChildProcess>()
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

export interface StartOptions {
  /** Extra redis-server arguments, e.g. ['--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lfu']. */
  args?: string[]
  /** A configuration file, given to redis-server before the arguments (a sentinel needs one it can rewrite). */
  config?: string
  /** A port reserved earlier with `freePort()` (a server that starts after the program using it). */
  port?: number
}

/** Starts a fresh, empty redis-server on a free port (no persistence unless `args` turn it on). */
export async function startRedis(options: StartOptions = {}): Promise<RedisServer> {
  const port = options.port ?? (await freePort())
  const dir = mkdtempSync(path.join(tmpdir(), 'tiercache-redis-'))
  const args = [
    ...(options.config === undefined ? [] : [options.config]),
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
    ...(options.args ?? []),
  ]
  let child = await launch(args, port)

  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    get pid() {
      return child.pid
    },
    async kill9() {
      await terminate(child, 'SIGKILL')
    },
    async restart() {
      if (child.exitCode === null && child.signalCode === null) await terminate(child, 'SIGKILL')
      child = await launch(args, port)
    },
    pause() {
      child.kill('SIGSTOP')
    },
    resume() {
      child.kill('SIGCONT')
    },
    async command(...command: string[]) {
      const client = createClient({ url: `redis://127.0.0.1:${port}`, RESP: 2 })
      client.on('error', () => undefined)
      await client.connect()
      try {
        return await client.sendCommand(command)
      } finally {
        await client.close()
      }
    },
    async stop() {
      child.kill('SIGCONT')
      await terminate(child, 'SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    },
  }
  return server
}

async function launch(args: string[], port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  running.add(child)
  child.on('exit', () => running.delete(child))
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const deadline = Date.now() + 10_000
  while (!(await answersPing(port))) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}:\n${output}`)
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`redis-server on port ${port} did not answer PING within 10 s:\n${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return child
}

async function terminate(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill(signal)
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}

/** Parses `INFO commandstats` into calls per command name (lower case). */
export async function commandCalls(server: RedisServer): Promise<Map<string, number>> {
  const info = String(await server.command('INFO', 'commandstats'))
  const calls = new Map<string, number>()
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    calls.set(match[1] as string, Number(match[2]))
  return calls
}
