import { spawnSync } from 'node:child_process'
import { basename } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Trace } from './trace.js'

const REPLAY_SOURCE = fileURLToPath(new URL('./caffeine/CaffeineReplay.java', import.meta.url))

/** Hit ratios (0..1) of several runs of Caffeine itself on one trace and size, with their median. */
export interface CaffeineRuns {
  readonly median: number
  readonly lowest: number
  readonly highest: number
}

/**
 * Replays a trace through Caffeine (`CaffeineReplay.java`, run from source by `java`, which must be on
 * the PATH) `runs` times: Caffeine breaks some admission ties at random, so one run is not its figure.
 */
export function caffeineHitRatios(jar: string, trace: Trace, size: number, runs: number): CaffeineRuns {
  const input = traceBytes(trace)
  const ratios: number[] = []
  for (let run = 0; run < runs; run++) ratios.push(replayOnce(jar, input, size))
  ratios.sort((a, b) => a - b)
  return {
    median: ratios[Math.floor(ratios.length / 2)] as number,
    lowest: ratios[0] as number,
    highest: ratios.at(-1) as number,
  }
}

/** "Caffeine 3.2.2" for caffeine-3.2.2.jar; "Caffeine" when the jar's name does not say. */
export function caffeineLabel(jar: string): string {
  const version = /caffeine-(\d[\w.-]*)\.jar$/.exec(basename(jar))?.[1]
  return version === undefined ? 'Caffeine' : `Caffeine ${version}`
}

function replayOnce(jar: string, input: Buffer, size: number): number {
  const result = spawnSync('java', ['-cp', jar, REPLAY_SOURCE, String(size)], {
    input,
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  })
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new Error('replaying Caffeine needs java on the PATH')
  }
  const hit = /hit=([\d.]+) %/.exec(result.stdout)?.[1]
  if (result.status !== 0 || hit === undefined) {
    const reason = result.stderr.trim() || result.error?.message
    throw new Error(`CaffeineReplay failed (status ${result.status}): ${reason}`)
  }
  return Number(hit) / 100
}

/**
 * The trace as Caffeine's replay reads it: 32-bit big-endian keys. A file trace's keys are `k` and the
 * file's own integer, given back as they were, so Caffeine hashes the same keys as in the docs' command.
 */
function traceBytes(trace: Trace): Buffer {
  const raw = trace.keys.map((key, id) => {
    const value = Number(key.slice(1))
    return Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31 ? value : id
  })
  const bytes = Buffer.alloc(trace.ids.length * 4)
  for (let i = 0; i < trace.ids.length; i++) bytes.writeInt32BE(raw[trace.ids[i] as number] as number, i * 4)
  return bytes
}
