import { type ChildProcess, spawn } from 'node:child_process'
import path from 'node:path'
import { createInterface } from 'node:readline'

/**
 * A network link between the libraries and Redis: a TCP proxy that delays every chunk by `delayMs`
 * each way (the tests' delay proxy), run in a process of its own so that its work is neither on the
 * measured process's clock nor in its event loop.
 */
export interface Link {
  /** The Redis URL to connect through the link. */
  readonly url: string
  close(): Promise<void>
}

const PROXY_PROCESS = path.join(import.meta.dirname, 'link-process.ts')

export async function openLink(redisUrl: string, delayMs: number): Promise<Link> {
  const target = new URL(redisUrl)
  const child = spawn(process.execPath, ['--import', 'tsx', PROXY_PROCESS, target.port, String(delayMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const port = await firstLine(child)
  return {
    url: `redis://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}

/** The port the proxy process prints once it listens. */
function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
    lines.once('line', (line) => {
      lines.close()
      resolve(line.trim())
    })
    child.once('exit', (code) =>
      reject(new Error(`the link's proxy process exited (${code}) before listening`)),
    )
  })
}
