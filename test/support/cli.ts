import { type ChildProcess, spawn } from 'node:child_process'
import path from 'node:path'
import { TEST_CLI_DIR } from './cli-path.js'

/** The bundled command (built once per run by build-cli.ts, as the package ships it). */
const cliEntry = path.join(TEST_CLI_DIR, 'cli.js')
const running = new Set<ChildProcess>()
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

export interface CliResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** A `tiercache` process started from source, as a user runs it. */
export interface CliProcess {
  readonly child: ChildProcess
  /** Everything printed so far (stdout and stderr interleaved). */
  output(): string
  /** Resolves once the output matches `pattern` (rejects if the process exits first or time runs out). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>
  /** Resolves when the process exits. */
  exited: Promise<CliResult>
}

export function startCli(args: readonly string[], env: Record<string, string | undefined> = {}): CliProcess {
  const child = spawn(process.execPath, ['--enable-source-maps', cliEntry, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.add(child)
  let stdout = ''
  let stderr = ''
  let all = ''
  const listeners = new Set<() => void>()
  const notify = () => {
    for (const listener of listeners) listener()
  }
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
    all += chunk.toString()
    notify()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
    all += chunk.toString()
    notify()
  })
  const exited = new Promise<CliResult>((resolve) => {
    child.once('close', (code, signal) => {
      running.delete(child)
      resolve({ code, signal, stdout, stderr })
      notify()
    })
  })
  return {
    child,
    output: () => all,
    exited,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = all.match(pattern)
          if (match) return done(undefined, match)
          if (child.exitCode !== null || child.signalCode !== null)
            done(new Error(`tiercache exited before printing ${pattern}:\n${all}`))
        }
        const timer = setTimeout(
          () => done(new Error(`no ${pattern} within ${timeoutMs} ms:\n${all}`)),
          timeoutMs,
        )
        const done = (error: Error | undefined, match?: RegExpMatchArray) => {
          clearTimeout(timer)
          listeners.delete(check)
          if (error) reject(error)
          else resolve(match as RegExpMatchArray)
        }
        listeners.add(check)
        check()
      })
    },
  }
}

/** Runs `tiercache …` to completion. */
export function runCli(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<CliResult> {
  return startCli(args, env).exited
}
