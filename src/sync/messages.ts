/**
 * What travels on the invalidation bus, one JSON object per PUBLISH (readable by other languages).
 * Every message carries its origin (a random id per cache instance) and that origin's sequence number,
 * so a receiver can ignore its own messages and notice a lost one.
 */
export interface BusMessage {
  /** Origin: the publishing cache instance. */
  readonly o: string
  /** Sequence number, +1 per message of this origin (heartbeats included). */
  readonly s: number
  /** Keys written or deleted, each with the version now stored (a tombstone's version for deletes). */
  readonly k?: readonly (readonly [string, number])[]
  /**
   * Tags invalidated, each with its new version. Receivers do not adopt the number: they forget the
   * tag's version and read it from the coordinator, which stays the authority (see sync/tag-versions.ts).
   */
  readonly t?: readonly (readonly [string, number])[]
  /** Keys a lease holder has just filled: processes waiting for them can read them now. */
  readonly f?: readonly string[]
  /** The namespace was cleared. */
  readonly c?: 1
  /** Heartbeat only (proves the bus works end to end). */
  readonly h?: 1
}

export function encodeMessage(message: BusMessage): string {
  return JSON.stringify(message)
}

/** Why a received message was dropped (counted per reason in `stats().bus`). */
export type RejectReason = 'malformed' | 'oversized' | 'unauthenticated' | 'replayed'

/** Longest origin accepted (ours are UUIDs, 36 characters). */
const MAX_ORIGIN_LENGTH = 128
/** Nesting of a valid message: the object, a list, a [key, version] pair. */
const MAX_DEPTH = 3

/**
 * Parses and validates one message's JSON (already within the size limit). Returns the message, or
 * why it was refused: 'oversized' for more than `maxItems` keys, tags and filled keys together,
 * 'malformed' for anything else that is not exactly one of ours. Never throws; the work is linear in
 * the bytes, since nesting deeper than a message has is refused before parsing.
 */
export function decodeMessage(raw: Buffer, maxItems: number): BusMessage | RejectReason {
  if (nestsDeeperThan(raw, MAX_DEPTH)) return 'malformed'
  let parsed: unknown
  try {
    parsed = JSON.parse(raw.toString('utf8'))
  } catch {
    return 'malformed'
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'malformed'
  const { o, s, k, t, f, c, h } = parsed as Record<string, unknown>
  if (typeof o !== 'string' || o.length === 0 || o.length > MAX_ORIGIN_LENGTH) return 'malformed'
  if (!isVersion(s) || s < 1) return 'malformed'
  if ((c !== undefined && c !== 1) || (h !== undefined && h !== 1)) return 'malformed'
  const items = lengthOf(k) + lengthOf(t) + lengthOf(f)
  if (items > maxItems) return 'oversized'
  if (k !== undefined && !isVersionedList(k)) return 'malformed'
  if (t !== undefined && !isVersionedList(t)) return 'malformed'
  if (f !== undefined && !(Array.isArray(f) && f.every(isName))) return 'malformed'
  // A fresh object: nothing but the known fields travels on, whatever else the JSON held.
  return {
    o,
    s,
    ...(k !== undefined ? { k } : {}),
    ...(t !== undefined ? { t } : {}),
    ...(f !== undefined ? { f } : {}),
    ...(c !== undefined ? { c } : {}),
    ...(h !== undefined ? { h } : {}),
  } as BusMessage
}

function lengthOf(list: unknown): number {
  return Array.isArray(list) ? list.length : 0
}

function isName(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0
}

/** A version as the coordinator issues them: a non-negative safe integer (never NaN, Infinity, 1e300). */
function isVersion(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0
}

function isVersionedList(list: unknown): boolean {
  return (
    Array.isArray(list) &&
    list.every((item) => Array.isArray(item) && item.length === 2 && isName(item[0]) && isVersion(item[1]))
  )
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_BRACKET = 0x5b
const OPEN_BRACE = 0x7b
const CLOSE_BRACKET = 0x5d
const CLOSE_BRACE = 0x7d

/**
 * Whether JSON text nests arrays and objects deeper than `limit`, by one pass over the bytes (strings
 * skipped with a native search). JSON.parse itself takes time out of proportion on deep nesting (over
 * half a second for a megabyte of `[`), so such input is refused before it gets there.
 */
function nestsDeeperThan(raw: Buffer, limit: number): boolean {
  let depth = 0
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i]
    if (byte === QUOTE) i = closingQuote(raw, i)
    else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
      if (++depth > limit) return true
    } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) depth--
  }
  return false
}

/** Where the string opened at `start` ends (its closing quote, not an escaped one), or the end of input. */
function closingQuote(raw: Buffer, start: number): number {
  let at = start
  for (;;) {
    at = raw.indexOf(QUOTE, at + 1)
    if (at < 0) return raw.length
    let backslashes = 0
    while (raw[at - 1 - backslashes] === BACKSLASH) backslashes++
    if (backslashes % 2 === 0) return at
  }
}
