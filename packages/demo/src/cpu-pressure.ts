import { readFileSync } from 'node:fs'

/**
 * The share of the last minute in which some runnable process waited for a CPU (Linux pressure stall
 * information, /proc/pressure/cpu "some avg60"), 0-1; undefined where the kernel does not tell.
 */
export function cpuPressure(): number | undefined {
  try {
    const some = /^some avg10=[\d.]+ avg60=([\d.]+)/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'))
    return some ? Number(some[1]) / 100 : undefined
  } catch {
    return undefined
  }
}
