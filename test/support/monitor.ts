import net from 'node:net'
import type { RedisServer } from './redis-server.js'

/** A command as MONITOR saw it: when the server ran it (epoch ms), and whether a script ran it. */
export interface TimedCommand {
  readonly at: number
  readonly lua: boolean
  readonly args: string[]
}

/**
 * Records every command a Redis server receives (MONITOR), to count round trips exactly.
 * `commands()` returns each as an array of its (unquoted) arguments.
 */
export async function monitor(
  server: RedisServer,
): Promise<{ commands(): string[][]; timed(): TimedCommand[]; stop(): void }> {
  const socket = net.connect(server.port, '127.0.0.1')
  let buffer = ''
  const lines: string[] = []
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.once('connect', () => {
      socket.write('MONITOR\r\n')
      socket.once('data', () => resolve())
    })
  })
  socket.on('data', (chunk) => {
    buffer += chunk.toString('latin1')
    let end = buffer.indexOf('\r\n')
    while (end >= 0) {
      lines.push(buffer.slice(0, end))
      buffer = buffer.slice(end + 2)
      end = buffer.indexOf('\r\n')
    }
  })
  return {
    commands: () =>
      lines
        // Lines tagged "lua" are commands a script ran inside Redis, not round trips.
        .filter((line) => line.startsWith('+') && line.includes('] "') && !/\[\d+ lua\]/.test(line))
        .map((line) => [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1] as string)),
    timed: () =>
      lines
        .map((line) => /^\+(\d+\.\d+) \[\d+ ([^\]]+)\] (.*)$/.exec(line))
        .filter((match) => match !== null)
        .map((match) => ({
          at: Number(match[1]) * 1000,
          lua: match[2] === 'lua',
          args: [...(match[3] as string).matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1] as string),
        })),
    stop: () => socket.destroy(),
  }
}

/**
 * {@link monitor} on several servers at once (every master of a cluster): their commands merged in the
 * order the servers ran them (MONITOR's timestamps, one clock on this machine).
 */
export async function monitorEvery(
  servers: readonly RedisServer[],
): Promise<{ commands(): string[][]; timed(): TimedCommand[]; stop(): void }> {
  const watches = await Promise.all(servers.map((server) => monitor(server)))
  const timed = () => watches.flatMap((watch) => watch.timed()).sort((a, b) => a.at - b.at)
  return {
    timed,
    commands: () =>
      timed()
        .filter((command) => !command.lua)
        .map((command) => command.args),
    stop: () => {
      for (const watch of watches) watch.stop()
    },
  }
}
