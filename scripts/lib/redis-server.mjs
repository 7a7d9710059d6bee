import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'

const START_DEADLINE_MS = 10_000
const STOP_DEADLINE_MS = 5_000

const PORT_ATTEMPTS = 3
const READY_LINE = 'Ready to accept connections'

/**
 * Starts an empty redis-server of its own (127.0.0.1, a free port, no persistence, its own directory)
 * and resolves once it says it is ready and answers PING. A port found taken between picking it and
 * binding it (another process may take it meanwhile) is replaced by another, up to three times.
 * `stop()` ends that process by its pid and removes the directory.
 */
export async function startRedisServer() {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOn(await freePort())
    } catch (error) {
      if (!error.portTaken || attempt === PORT_ATTEMPTS) throw error
    }
  }
}

async function startOn(port) {
  const directory = mkdtempSync(path.join(tmpdir(), 'tiercache-redis-'))
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', directory, '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  child.stdout.on('data', (chunk) => {
    output += chunk
  })
  child.stderr.on('data', (chunk) => {
    output += chunk
  })
  let failure // why the process could not start, or stopped
  child.on('error', (error) => {
    failure = error
  })
  child.on('exit', (code, signal) => {
    failure ??= new Error(`it exited (${signal ?? code})`)
  })
  const stop = () => stopProcess(child).finally(() => rmSync(directory, { recursive: true, force: true }))
  try {
    // Ready by its own word too: another server may answer a PING on a port this one lost.
    await untilPing(
      port,
      () => failure,
      () => output.includes(READY_LINE),
    )
  } catch (error) {
    await stop()
    const failed = new Error(`redis-server on port ${port} did not start: ${error.message}\n${output}`)
    failed.portTaken = output.includes('Address already in use')
    throw failed
  }
  return { port, pid: child.pid, stop }
}

async function untilPing(port, failure, saidReady) {
  const deadline = Date.now() + START_DEADLINE_MS
  while (!(saidReady() && (await answersPing(port)))) {
    if (failure()) throw failure()
    if (Date.now() > deadline) throw new Error(`no answer to PING within ${START_DEADLINE_MS} ms`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function stopProcess(child) {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  process.kill(child.pid, 'SIGTERM')
  const timer = setTimeout(() => process.kill(child.pid, 'SIGKILL'), STOP_DEADLINE_MS)
  await exited
  clearTimeout(timer)
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

function answersPing(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' })
    const finish = (answered) => {
      socket.destroy()
      resolve(answered)
    }
    socket.setTimeout(1000, () => finish(false))
    socket.on('error', () => finish(false))
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (data) => finish(data.toString().startsWith('+PONG')))
  })
}
