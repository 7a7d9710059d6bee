import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { CliError } from '../errors.js'

/** What redis-server logs once it listens (Redis 5 to 7). */
const READY_LINE = 'Ready to accept connections'

/** A redis-server child process started by the CLI. */
export interface LocalRedis {
  readonly name: string
  readonly url: string
  readonly port: number
  readonly pid: number | undefined
  readonly dir: string
  /** Resolves with the exit code (or signal) when the server process ends, for whatever reason. */
  readonly exited: Promise<string>
  /** SIGTERM (SIGKILL after 5 s) and wait for the process to be gone. */
  stop(): Promise<void>
}

export const INSTALL_HINT = [
  'redis-server was not found on PATH. Install it:',
  '  Debian/Ubuntu:  sudo apt-get install redis-server',
  '  macOS:          brew install redis',
  'or point tiercache at servers you already run:',
  '  REDIS_HOT_URL=redis://127.0.0.1:6379 REDIS_WARM_URL=redis://127.0.0.1:6380 npm run demo',
].join('\n')

/** Throws a {@link CliError} with install instructions when redis-server cannot be run. */
export function assertRedisServerInstalled(binary = 'redis-server'): void {
  const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' })
  if (probe.error || probe.status !== 0) throw new CliError(INSTALL_HINT)
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/** How {@link startLocalRedis} is told where to start a server. */
export interface LocalRedisPlace {
  readonly parentDir: string
  /** 0 (the default): a free port, picked by `pickPort`. */
  readonly port?: number
  /** Picks a free port; {@link freePort} unless a caller (a test) needs to choose. */
  readonly pickPort?: () => Promise<number>
}

/** How many picked ports to try when another process takes each one before redis-server binds it. */
const PORT_ATTEMPTS = 3

/**
 * Starts `redis-server` on `port` (a free one when 0) with its files in `<parentDir>/<name>`, bound to
 * 127.0.0.1, and resolves once it has logged that it is ready and answers PING.
 */
export async function startLocalRedis(
  name: string,
  args: readonly string[],
  { parentDir, port = 0, pickPort = freePort }: LocalRedisPlace,
): Promise<LocalRedis> {
  if (port !== 0) {
    if (!(await portIsFree(port))) {
      throw new CliError(`port ${port} is already in use; pick another with --port or leave it out`)
    }
    return launchOn(port, name, args, parentDir)
  }
  // A port the kernel called free may be taken by another process before redis-server binds it.
  for (let attempt = 1; ; attempt++) {
    try {
      return await launchOn(await pickPort(), name, args, parentDir)
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt === PORT_ATTEMPTS) throw error
    }
  }
}

/** redis-server could not bind the port it was given. */
class PortTakenError extends CliError {}

async function launchOn(
  chosen: number,
  name: string,
  args: readonly string[],
  parentDir: string,
): Promise<LocalRedis> {
  const dir = path.join(parentDir, name)
  mkdirSync(dir, { recursive: true })
  const child = spawn(
    'redis-server',
    // Logged to stdout at the level that carries the ready line, whatever the preset's arguments say.
    [
      '--port',
      String(chosen),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      ...args,
      '--logfile',
      '',
      '--loglevel',
      'notice',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000)
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve))
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? `exit code ${code}`)),
  )
  const deadline = Date.now() + 10_000
  for (;;) {
    // Ready by its own word, not only by a PING: another server may answer on a port this one lost.
    if (output.includes(READY_LINE) && (await answersPing(chosen))) break
    const failed = await Promise.race([spawnError, delay(25).then(() => undefined)])
    if (failed) throw new CliError(`could not start redis-server: ${failed.message}`)
    if (child.exitCode !== null) {
      const Failure = output.includes('Address already in use') ? PortTakenError : CliError
      throw new Failure(`redis-server "${name}" on port ${chosen} exited (${child.exitCode}):\n${output}`)
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new CliError(`redis-server "${name}" on port ${chosen} did not answer PING within 10 s`)
    }
  }
  return {
    name,
    url: `redis://127.0.0.1:${chosen}`,
    port: chosen,
    pid: child.pid,
    dir,
    exited,
    stop: () => terminate(child),
  }
}

/** Whether something could listen on 127.0.0.1:`port` now (nothing else does). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Whether a Redis server on 127.0.0.1:`port` answers PING within 500 ms (raw RESP, no client needed). */
export function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(500, () => done(false))
    socket.on('error', () => done(false))
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (data) => done(data.toString().startsWith('+PONG')))
  })
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}
