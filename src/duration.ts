import parseDuration from 'ms'
import { InvalidTtlError } from './errors.js'

/** A duration: milliseconds, or a human string such as `'250ms'`, `'30s'`, `'5m'`, `'24h'`, `'7d'`. */
export type Duration = number | string

/**
 * The longest duration accepted anywhere: 10 years (`'10y'`). Entry lifetimes add a TTL, a grace
 * period and the current time, and Redis takes them as whole milliseconds (`PX`): bounding each part
 * keeps every sum an exact integer that Redis accepts (`1e300` would reach it as `PX 1e+300`).
 */
export const MAX_DURATION_MS = 10 * 365.25 * 24 * 60 * 60 * 1000

/**
 * Turns a duration into milliseconds, or throws an {@link InvalidTtlError} naming `what`.
 * Durations must be finite, non-negative and at most {@link MAX_DURATION_MS}; fractions of a
 * millisecond are rounded up.
 */
export function toMilliseconds(duration: Duration, what: string): number {
  const ms = typeof duration === 'string' ? parseDurationString(duration, what) : duration
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > MAX_DURATION_MS) {
    throw new InvalidTtlError(
      `${what} must be a finite, non-negative number of milliseconds up to ${MAX_DURATION_MS} (10 years), or a string like '30s'; got ${show(duration)}`,
    )
  }
  return Math.ceil(ms)
}

/** Like {@link toMilliseconds} but passes `undefined` through. */
export function optionalMilliseconds(duration: Duration | undefined, what: string): number | undefined {
  return duration === undefined ? undefined : toMilliseconds(duration, what)
}

/**
 * A TTL: a duration of more than 0 (a value written for no time at all would leave whatever it was
 * meant to replace readable) and at most {@link MAX_DURATION_MS}. To remove a key, delete it.
 */
export function toTtlMilliseconds(duration: Duration, what: string): number {
  const ms = toMilliseconds(duration, what)
  if (ms === 0) {
    throw new InvalidTtlError(
      `${what} must be more than 0 (at most 10 years); got ${show(duration)}. To remove a key, use delete()`,
    )
  }
  return ms
}

/** Like {@link toTtlMilliseconds} but passes `undefined` through. */
export function optionalTtlMilliseconds(duration: Duration | undefined, what: string): number | undefined {
  return duration === undefined ? undefined : toTtlMilliseconds(duration, what)
}

/** The longest a timer can wait in Node.js (2^31 - 1 ms, about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * A duration the cache waits for with a timer (timeouts, poll and warm intervals): as
 * {@link toMilliseconds}, and at most {@link MAX_TIMER_MS}, which Node.js would otherwise cut to 1 ms.
 */
export function toTimerMilliseconds(duration: Duration, what: string): number {
  const ms = toMilliseconds(duration, what)
  if (ms > MAX_TIMER_MS) {
    throw new InvalidTtlError(
      `${what} must be at most ${MAX_TIMER_MS} ms (about 24 days, the longest timer Node.js keeps); got ${show(duration)}`,
    )
  }
  return ms
}

/** Like {@link toTimerMilliseconds} but passes `undefined` through. */
export function optionalTimerMilliseconds(duration: Duration | undefined, what: string): number | undefined {
  return duration === undefined ? undefined : toTimerMilliseconds(duration, what)
}

function parseDurationString(text: string, what: string): number {
  const trimmed = text.trim()
  // `ms` accepts bare numbers in strings; we do too, but reject empty and signed strings explicitly.
  const parsed =
    trimmed === '' || trimmed.startsWith('-')
      ? undefined
      : parseDuration(trimmed as parseDuration.StringValue)
  if (parsed === undefined || Number.isNaN(parsed)) {
    throw new InvalidTtlError(
      `${what} "${text}" is not a duration; use milliseconds or a string like '500ms', '30s', '5m', '24h'`,
    )
  }
  return parsed
}

function show(value: unknown): string {
  if (typeof value === 'string') return `"${value}"`
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value)
  return typeof value
}
