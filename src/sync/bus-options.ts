import { InvalidOptionError } from '../errors.js'

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
 * Checks the bus options that bound and authenticate messages (`sync.bus` of createCache); throws
 * InvalidOptionError naming the problem.
 */
export function assertValidBusOptions(bus: object, maxKeyBytes: number): void {
  const { secret, maxMessageBytes, maxMessageItems } = bus as Record<string, unknown>
  if (Array.isArray(secret)) {
    if (secret.length === 0)
      throw new InvalidOptionError('sync.bus.secret must not be an empty list; leave it out for no secret')
    for (const one of secret) assertValidSecret(one)
  } else if (secret !== undefined) assertValidSecret(secret)
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
}

function isIntegerWithin(value: unknown, min: number, max: number): boolean {
  return Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max
}

function assertValidSecret(secret: unknown): void {
  const bytes =
    typeof secret === 'string'
      ? Buffer.byteLength(secret, 'utf8')
      : secret instanceof Uint8Array
        ? secret.length
        : undefined
  // The message names the problem, never the secret itself.
  if (bytes === undefined)
    throw new InvalidOptionError(
      `sync.bus.secret must be a string, a Buffer or a list of them; got ${typeof secret}`,
    )
  if (bytes < MIN_SECRET_BYTES)
    throw new InvalidOptionError(
      `sync.bus.secret must be at least ${MIN_SECRET_BYTES} bytes (32 random bytes recommended); got ${bytes}`,
    )
}
