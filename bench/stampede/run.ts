import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { BenchEnv } from '../lib/env.js'
import { summarize } from '../lib/stats.js'

/**
 * The stampede: one cold key, 1,000 concurrent reads spread over 4 processes, a loader that takes
 * 50 ms. How many times does the loader (the database) run, and how long until every caller has the
 * value? tiercache takes a lease in Redis so one process loads and the others wait for its value;
 * bentocache (without its bus) and cache-manager deduplicate within a process only.
 */
export const STAMPEDE = { processes: 4, callersPerProcess: 250, loaderMs: 50 } as const
const LIBRARIES = ['tiercache', 'bentocache', 'cache-manager'] as const
const workerScript = fileURLToPath(new URL('./worker.ts', import.meta.url))

export interface StampedeRow {
  readonly library: string
  readonly loaderCalls: ReturnType<typeof summarize>
  readonly millisToAllValues: ReturnType<typeof summarize>
  readonly wrongAnswers: number
}

interface WorkerResult {
  readonly loaderCalls: number
  readonly started: number
  readonly finished: number
  readonly wrong: number
}

export async function runStampede(
  env: BenchEnv,
  rounds: number,
  log: (line: string) => void,
): Promise<StampedeRow[]> {
  const rows: StampedeRow[] = []
  for (const library of LIBRARIES) {
    const workers = Array.from({ length: STAMPEDE.processes }, () => startWorker(library, env.redisUrl))
    try {
      await Promise.all(workers.map((worker) => nextMessage(worker, 'ready')))
      const calls: number[] = []
      const times: number[] = []
      let wrong = 0
      for (let round = 0; round < rounds; round++) {
        const key = `cold:${Date.now()}:${round}`
        const results = workers.map((worker) => nextMessage<WorkerResult>(worker, 'result'))
        for (const worker of workers) worker.send({ key })
        const answers = await Promise.all(results)
        calls.push(answers.reduce((sum, answer) => sum + answer.loaderCalls, 0))
        times.push(Math.max(...answers.map((a) => a.finished)) - Math.min(...answers.map((a) => a.started)))
        wrong += answers.reduce((sum, answer) => sum + answer.wrong, 0)
      }
      log(
        `[stampede] ${library}: loader calls ${calls.join(', ')}; ms to all values ${times.map((t) => t.toFixed(0)).join(', ')}`,
      )
      rows.push({
        library,
        loaderCalls: summarize(calls),
        millisToAllValues: summarize(times),
        wrongAnswers: wrong,
      })
    } finally {
      for (const worker of workers) {
        if (worker.connected) worker.send({ stop: true })
        setTimeout(() => worker.kill('SIGKILL'), 5000).unref()
      }
    }
  }
  return rows
}

function startWorker(library: string, url: string): ChildProcess {
  return fork(workerScript, [], {
    env: {
      ...process.env,
      LIBRARY: library,
      REDIS_URL: url,
      CALLERS: String(STAMPEDE.callersPerProcess),
      LOADER_MS: String(STAMPEDE.loaderMs),
    },
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
}

function nextMessage<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type?: string }) => {
      if (message?.type !== type) return
      child.off('message', onMessage)
      resolve(message as T)
    }
    child.on('message', onMessage)
    child.once('exit', (code) => reject(new Error(`stampede worker exited (${code}) before "${type}"`)))
  })
}

export function stampedeTable(rows: readonly StampedeRow[], markdown: boolean): string {
  const headers = [
    'Library',
    'Loader calls (median)',
    'min',
    'max',
    'ms to every value (median)',
    'min',
    'max',
    'Wrong answers',
  ]
  const body = rows.map((row) => [
    row.library,
    String(row.loaderCalls.median),
    String(row.loaderCalls.min),
    String(row.loaderCalls.max),
    row.millisToAllValues.median.toFixed(0),
    row.millisToAllValues.min.toFixed(0),
    row.millisToAllValues.max.toFixed(0),
    String(row.wrongAnswers),
  ])
  const widths = headers.map((header, i) =>
    Math.max(header.length, 3, ...body.map((row) => (row[i] as string).length)),
  )
  const line = (cells: string[]) =>
    markdown
      ? `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join(' | ')} |`
      : cells
          .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number)))
          .join('  ')
  const rule = markdown
    ? `| ${widths.map((width, i) => (i === 0 ? '-'.repeat(width) : `${'-'.repeat(width - 1)}:`)).join(' | ')} |`
    : widths.map((width) => '-'.repeat(width)).join('  ')
  return [line(headers), rule, ...body.map(line)].join('\n')
}
