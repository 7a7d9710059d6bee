import { mkdirSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import path from 'node:path'

/**
 * A V8 CPU profile of the measured runs only (not start-up, set-up or warm-up), written as a
 * `.cpuprofile` file that Chrome DevTools or any speedscope-like viewer opens. Use with `--library` to
 * profile one library: otherwise the profile mixes every row of the workload.
 */
export class RunProfiler {
  private session: Session | undefined

  constructor(
    private readonly dir: string,
    private readonly intervalMicros = 100,
  ) {}

  async start(): Promise<void> {
    const session = new Session()
    session.connect()
    await session.post('Profiler.enable')
    await session.post('Profiler.setSamplingInterval', { interval: this.intervalMicros })
    await session.post('Profiler.start')
    this.session = session
  }

  /** Stops profiling and writes the profile; returns the file written. */
  async stop(name: string): Promise<string | undefined> {
    const session = this.session
    if (!session) return undefined
    this.session = undefined
    const { profile } = await session.post('Profiler.stop')
    session.disconnect()
    mkdirSync(this.dir, { recursive: true })
    const safe = name.replace(/[^\w.+-]+/g, '_')
    const file = path.join(this.dir, `${safe}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`)
    writeFileSync(file, JSON.stringify(profile))
    return file
  }
}
