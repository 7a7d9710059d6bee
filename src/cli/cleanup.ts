import { rmSync } from 'node:fs'

/**
 * Things to undo when a command ends, in reverse order of registration: stop child processes, close
 * connections, remove temporary directories. Runs once, whether the command finished, failed or was
 * interrupted (Ctrl-C, SIGTERM).
 */
export class Cleanup {
  private readonly steps: (() => Promise<void> | void)[] = []
  private running: Promise<void> | undefined

  add(step: () => Promise<void> | void): void {
    this.steps.push(step)
  }

  removeDirectory(dir: string): void {
    this.add(() => rmSync(dir, { recursive: true, force: true }))
  }

  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.reverse()) {
        try {
          await step()
        } catch {
          // Best effort: one failed step must not keep the others (and the temp dirs) from going.
        }
      }
    })()
    return this.running
  }
}

/**
 * Resolves with the first SIGINT or SIGTERM received; `dispose` stops listening. Further signals are
 * ignored until then (a terminal's Ctrl-C can arrive twice, directly and relayed by a wrapper such as
 * npm or tsx), so the cleanup that follows is not cut short.
 */
export function nextSignal(): { signal: Promise<NodeJS.Signals>; dispose(): void } {
  let handler: (signal: NodeJS.Signals) => void = () => undefined
  // (Resolving an already settled promise again is a no-op, so repeats are harmless.)
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    handler = resolve
  })
  const listener = (received: NodeJS.Signals) => handler(received)
  process.on('SIGINT', listener)
  process.on('SIGTERM', listener)
  return {
    signal,
    dispose() {
      process.off('SIGINT', listener)
      process.off('SIGTERM', listener)
    },
  }
}

/** 128 + the signal number, as shells report a process ended by a signal. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? 130 : 143
}
