import parseDuration from 'ms'
import { InvalidTtlError } from './errors.js'

/** A duration: milliseconds, or a human string such as `'250ms'`, `'30s'`, `'5m'`, `'24h'`, `'7d'`. */
export type Duration = number | string

/**
 * Turns a duration into milliseconds, or throws an {@link InvalidTtlError} naming `what`.
 * Durations must be finite and non-negative; fractions of a millisecond are rounded up.
 */
export function toMilliseconds(duration: Duration, what: string): number {
  const ms = typeof duration === 'string' ? parseDurationString(duration, what) : duration
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new InvalidTtlError(
      `${what} must be a finite, non-negative number of milliseconds or a string like '30s'; got ${show(duration)}`,
    )
  }
  return Math.ceil(ms)
}

/** Like {@link toMilliseconds} but passes `undefined` through. */
export function optionalMilliseconds(duration: Duration | undefined, what: string): number | undefined {
  return duration === undefined ? undefined : toMilliseconds(duration, what)
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
