/**
 * Stable error codes. They never change meaning between releases, so callers may branch on them.
 */
export type TierCacheErrorCode =
  | 'ERR_INVALID_KEY'
  | 'ERR_INVALID_TTL'
  | 'ERR_INVALID_OPTION'
  | 'ERR_UNENCODABLE_VALUE'
  | 'ERR_LOADER_FAILED'
  | 'ERR_LOADER_TIMEOUT'
  | 'ERR_CACHE_CLOSED'
  | 'ERR_INVALIDATION_FAILED'
  | 'ERR_TIER_TIMEOUT'
  | 'ERR_TIER_FAILED'
  | 'ERR_UNEXPECTED_REPLY'
  | 'ERR_READONLY_VALUE'

/** Base class of every error tiercache throws. `code` is stable; `message` is for humans. */
export class TierCacheError extends Error {
  readonly code: TierCacheErrorCode

  constructor(code: TierCacheErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}

/** A key that is not a non-empty string within the byte limit. Thrown before any I/O. */
export class InvalidKeyError extends TierCacheError {
  constructor(message: string) {
    super('ERR_INVALID_KEY', message)
  }
}

/** A TTL that is negative, NaN, infinite or an unparseable string. Thrown before any I/O. */
export class InvalidTtlError extends TierCacheError {
  constructor(message: string) {
    super('ERR_INVALID_TTL', message)
  }
}

/** A configuration or call option that is missing, of the wrong type or out of range. */
export class InvalidOptionError extends TierCacheError {
  constructor(message: string) {
    super('ERR_INVALID_OPTION', message)
  }
}

/** A value the configured serializer cannot encode (a function, a symbol, a cycle with JSON…). */
export class UnencodableValueError extends TierCacheError {
  constructor(message: string, cause?: unknown) {
    super('ERR_UNENCODABLE_VALUE', message, { cause })
  }
}

/** The loader threw or rejected; `cause` holds what it threw. */
export class LoaderError extends TierCacheError {
  readonly key: string

  constructor(key: string, cause: unknown) {
    super('ERR_LOADER_FAILED', `loader for key "${truncate(key)}" failed: ${describe(cause)}`, { cause })
    this.key = key
  }
}

/** An invalidation could not be recorded (the coordinating Redis tier did not answer). Safe to retry. */
export class InvalidationError extends TierCacheError {
  constructor(message: string) {
    super('ERR_INVALIDATION_FAILED', message)
  }
}

/** The loader took longer than the hard timeout; its AbortSignal was aborted with this error. */
export class LoaderTimeoutError extends TierCacheError {
  readonly key: string

  constructor(key: string, timeoutMs: number) {
    super(
      'ERR_LOADER_TIMEOUT',
      `loader for key "${truncate(key)}" did not finish within its ${timeoutMs} ms hard timeout`,
    )
    this.key = key
  }
}

/**
 * A tier did not answer within its timeout. Reported through the `tierError` event (the cache carried
 * on without that tier), never thrown at a caller.
 */
export class TierTimeoutError extends TierCacheError {
  readonly tier: string
  readonly operation: string
  readonly timeoutMs: number

  constructor(tier: string, operation: string, timeoutMs: number) {
    super('ERR_TIER_TIMEOUT', `tier "${tier}" did not answer ${operation} within ${timeoutMs} ms`)
    this.tier = tier
    this.operation = operation
    this.timeoutMs = timeoutMs
  }
}

/**
 * A tier operation failed (connection refused, an error reply, a reply of the wrong shape…); `cause`
 * holds what the Redis client raised. Reported through the `tierError` event, never thrown at a caller.
 */
export class TierError extends TierCacheError {
  readonly tier: string
  readonly operation: string

  constructor(tier: string, operation: string, cause: unknown) {
    super('ERR_TIER_FAILED', `tier "${tier}" failed ${operation}: ${describe(cause)}`, { cause })
    this.tier = tier
    this.operation = operation
  }
}

/**
 * A Redis server answered with a reply of a shape no command of tiercache's returns (a proxy or a
 * server that is not Redis, or a bug): the operation is treated as a tier failure.
 */
export class UnexpectedReplyError extends TierCacheError {
  constructor(expected: string, got: unknown) {
    super(
      'ERR_UNEXPECTED_REPLY',
      `expected ${expected} from Redis; got ${got === null ? 'null' : typeof got}`,
    )
  }
}

/**
 * A caller tried to change a value the cache holds (`set`, `delete` or `clear` on a Map or Set it
 * returned, under the default `protection: 'freeze'`). Copy the value first, or use `protection: 'none'`.
 */
export class ReadonlyValueError extends TierCacheError {
  constructor() {
    super(
      'ERR_READONLY_VALUE',
      'cannot modify a value held by the cache; copy it first (or use protection: "none")',
    )
  }
}

/** An operation was called after `close()`. */
export class CacheClosedError extends TierCacheError {
  constructor(operation: string) {
    super('ERR_CACHE_CLOSED', `cannot ${operation}: the cache is closed`)
  }
}

export function truncate(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
