import { type ParseArgsConfig, parseArgs } from 'node:util'
import { toMilliseconds } from '../duration.js'
import { errorMessage, UsageError } from './errors.js'

type Options = NonNullable<ParseArgsConfig['options']>

/** The parsed flags of a command: strings, booleans, and arrays of strings for `multiple` options. */
export type Flags = Record<string, string | boolean | (string | boolean)[] | undefined>

/**
 * `node:util` parseArgs with strict checking, a `--help`/`-h` flag on every command, and errors that
 * name the command and point to its help.
 */
export function parseCommand(
  command: string,
  argv: readonly string[],
  options: Options,
  { positionals = 0 }: { positionals?: number } = {},
): { flags: Flags; positionals: string[]; help: boolean } {
  try {
    const parsed = parseArgs({
      args: [...argv],
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: positionals > 0,
      strict: true,
    })
    if (parsed.positionals.length > positionals) {
      throw new Error(`unexpected argument "${parsed.positionals[positionals]}"`)
    }
    const { help, ...flags } = parsed.values
    return { flags, positionals: parsed.positionals, help: help === true }
  } catch (error) {
    throw new UsageError(errorMessage(error), command)
  }
}

export function stringFlag(flags: Flags, name: string): string | undefined {
  const value = flags[name]
  return typeof value === 'string' ? value : undefined
}

export function listFlag(flags: Flags, name: string): string[] {
  const value = flags[name]
  if (value === undefined) return []
  return (Array.isArray(value) ? value : [value]).filter((item): item is string => typeof item === 'string')
}

/** An integer flag within bounds, or a usage error naming the flag. */
export function integerFlag(
  flags: Flags,
  name: string,
  command: string,
  { fallback, min, max }: { fallback: number; min: number; max: number },
): number {
  const text = stringFlag(flags, name)
  if (text === undefined) return fallback
  const value = Number(text.replaceAll('_', ''))
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}; got "${text}"`, command)
  }
  return value
}

/** A number flag within bounds (fractions allowed). */
export function numberFlag(
  flags: Flags,
  name: string,
  command: string,
  { fallback, min, max }: { fallback: number; min: number; max: number },
): number {
  const text = stringFlag(flags, name)
  if (text === undefined) return fallback
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be a number from ${min} to ${max}; got "${text}"`, command)
  }
  return value
}

/** A duration flag ('20s', '1m', '500ms' or milliseconds) at least `minMs` long. */
export function durationFlag(
  flags: Flags,
  name: string,
  command: string,
  { fallbackMs, minMs }: { fallbackMs: number; minMs: number },
): number {
  const text = stringFlag(flags, name)
  if (text === undefined) return fallbackMs
  let ms: number
  try {
    ms = toMilliseconds(/^\d+(\.\d+)?$/.test(text.trim()) ? `${text}s` : text, `--${name}`)
  } catch (error) {
    throw new UsageError(errorMessage(error), command)
  }
  if (ms < minMs) throw new UsageError(`--${name} must be at least ${minMs / 1000} s; got "${text}"`, command)
  return ms
}
