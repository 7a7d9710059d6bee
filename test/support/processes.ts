import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const workerScript = fileURLToPath(new URL('./cache-worker.ts', import.meta.url))
const started = new Set<ChildProcess>()
process.on('exit', () => {
  for (const child of started) child.kill('SIGKILL')
})

/** Forks test/support/cache-worker.ts with the given environment (see that file for the modes). */
export function forkWorker(env: Record<string, string>): ChildProcess {
  const child = fork(workerScript, [], {
    env: { ...process.env, ...env },
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  started.add(child)
  child.once('exit', () => started.delete(child))
  return child
}

/** Resolves with the first IPC message of `type` from `child`; rejects if it exits first. */
export function nextMessage<T extends { type: string }>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: T) => {
      if (message?.type !== type) return
      child.off('message', onMessage)
      child.off('exit', onExit)
      resolve(message)
    }
    const onExit = (code: number | null) =>
      reject(new Error(`worker exited (${code}) before sending "${type}"`))
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}

export async function killWorkers(children: readonly ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve()
          child.once('exit', () => resolve())
          child.kill('SIGKILL')
        }),
    ),
  )
}
