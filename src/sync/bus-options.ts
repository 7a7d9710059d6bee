import { KeyObject } from 'node:crypto'
import { InvalidOptionError } from '../errors.js'
import { type BusSecret, toSecretKey } from './bus-auth.js'

/** Options of the invalidation bus (option `sync.bus` of createCache). */
export interface BusOptions {
  /** How often each process publishes a heartbeat to itself. Default 500 ms. */
  heartbeatIntervalMs?: number
  /** The bus counts as down when this process's own heartbeat has not come back for this long. Default 1500 ms. */
  heartbeatTimeoutMs?: number
  /** Longest a PUBLISH may take. Default 1000 ms. */
  publishTimeoutMs?: number
  /**
   * Shared secret (string, Buffer or KeyObject, at least 16 bytes; 32 random bytes recommended) with
   * which every message is authenticated (HMAC-SHA256). Receivers drop and count messages without a
   * valid MAC, and replays. Every process of the namespace needs the same secret. A list rotates
   * secrets: messages are signed with the first and accepted under any. Default: none.
   */
  secret?: BusSecret | readonly BusSecret[]
  /**
   * Largest message, in bytes: larger ones received are dropped unread and counted (`stats().bus`);
   * batches sent are split to stay within it. Give every process the same limits. Default 1 MiB.
   */
  maxMessageBytes?: number
  /** Most keys, tags and filled keys in one message, received or sent (as for maxMessageBytes). Default 1000. */
  maxMessageItems?: number
}

/** Default `maxMessageBytes`: 1 MiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024
/** Default `maxMessageItems`. */
export const DEFAULT_MAX_MESSAGE_ITEMS = 1000
/** Shortest secret accepted, in bytes. */
const MIN_SECRET_BYTES = 16
/** Redis's largest bulk string. */
const MAX_MESSAGE_BYTES = 512 * 1024 * 1024

/**
 * The least `maxMessageBytes` that still fits any one key or tag of `maxKeyBytes` in a message: JSON
 * may escape each byte as six (`\u0000`), plus the message's own fields and its MAC.
 */
export function smallestMessageBytes(maxKeyBytes: number): number {
  return 6 * maxKeyBytes + 200
}

/**
 * Checks the bus options that bound and authenticate messages (`sync.bus` of createCache), throwing
 * InvalidOptionError naming the problem, and returns them with the secret held as KeyObjects, which
 * print no bytes if the options are ever logged or inspected.
 */
export function resolveBusOptions(bus: BusOptions, maxKeyBytes: number): BusOptions {
  const { secret, maxMessageBytes, maxMessageItems } = bus as Record<string, unknown>
  let secrets: KeyObject[] | undefined
  if (Array.isArray(secret)) {
    if (secret.length === 0)
      throw new InvalidOptionError('sync.bus.secret must not be an empty list; leave it out for no secret')
    secrets = secret.map(checkedSecret)
  } else if (secret !== undefined) secrets = [checkedSecret(secret)]
  const smallest = smallestMessageBytes(maxKeyBytes)
  if (maxMessageBytes !== undefined && !isIntegerWithin(maxMessageBytes, smallest, MAX_MESSAGE_BYTES)) {
    throw new InvalidOptionError(
      `sync.bus.maxMessageBytes must be an integer from ${smallest} (6 × maxKeyBytes + 200, so any key fits) to ${MAX_MESSAGE_BYTES}; got ${String(maxMessageBytes)}`,
    )
  }
  if (maxMessageItems !== undefined && !isIntegerWithin(maxMessageItems, 1, Number.MAX_SAFE_INTEGER)) {
    throw new InvalidOptionError(
      `sync.bus.maxMessageItems must be a positive integer; got ${String(maxMessageItems)}`,
    )
  }
  return secrets === undefined ? bus : { ...bus, secret: secrets }
}

function isIntegerWithin(value: unknown, min: number, max: number): boolean {
  return Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max
}

/** The secret as a KeyObject, if it is one of enough bytes. Error messages never name the secret. */
function checkedSecret(secret: unknown): KeyObject {
  const isSecretKey = secret instanceof KeyObject && secret.type === 'secret'
  if (!(typeof secret === 'string' || secret instanceof Uint8Array || isSecretKey))
    throw new InvalidOptionError(
      `sync.bus.secret must be a string, a Buffer, a secret KeyObject or a list of them; got ${typeof secret}`,
    )
  const key = toSecretKey(secret as BusSecret)
  const bytes = key.symmetricKeySize ?? 0
  if (bytes < MIN_SECRET_BYTES)
    throw new InvalidOptionError(
      `sync.bus.secret must be at least ${MIN_SECRET_BYTES} bytes (32 random bytes recommended); got ${bytes}`,
    )
  return key
}
