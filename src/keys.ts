import { InvalidKeyError, InvalidOptionError, truncate } from './errors.js'

/** Keys longer than this many UTF-8 bytes are rejected unless `maxKeyBytes` says otherwise. */
export const DEFAULT_MAX_KEY_BYTES = 1024

/** Throws an {@link InvalidKeyError} unless `key` is a non-empty string of at most `maxBytes` UTF-8 bytes. */
export function assertValidKey(key: unknown, maxBytes: number): asserts key is string {
  if (typeof key !== 'string') {
    throw new InvalidKeyError(`cache keys must be strings; got ${key === null ? 'null' : typeof key}`)
  }
  if (key.length === 0) throw new InvalidKeyError('cache keys must not be empty')
  // A UTF-16 code unit encodes to at most 3 UTF-8 bytes, so short keys skip the byte count.
  if (key.length * 3 > maxBytes && Buffer.byteLength(key, 'utf8') > maxBytes) {
    throw new InvalidKeyError(
      `cache key "${truncate(key, 40)}" is ${Buffer.byteLength(key, 'utf8')} bytes; the limit is ${maxBytes} (option maxKeyBytes)`,
    )
  }
}

/**
 * True for a non-empty string whose length alone proves it within `maxBytes` UTF-8 bytes: the check
 * of the L1 fast path. False does not mean invalid, only that {@link assertValidKey} must decide.
 */
export function isShortValidKey(key: unknown, maxBytes: number): key is string {
  return typeof key === 'string' && key.length > 0 && key.length * 3 <= maxBytes
}

/** Validates every key of a list, and the list itself. */
export function assertValidKeys(keys: unknown, maxBytes: number): asserts keys is readonly string[] {
  if (!Array.isArray(keys)) throw new InvalidKeyError(`expected an array of keys; got ${typeof keys}`)
  for (const key of keys) assertValidKey(key, maxBytes)
}

const NAMESPACE_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/

/**
 * Namespaces become part of every Redis key and of the SCAN pattern `clear()` uses, so they are
 * restricted to characters that are neither glob syntax nor our own separators (`:` and `#`).
 */
export function assertValidNamespace(namespace: unknown): asserts namespace is string {
  if (typeof namespace !== 'string' || !NAMESPACE_PATTERN.test(namespace)) {
    throw new InvalidOptionError(
      `namespace must be 1-64 characters of A-Z a-z 0-9 _ . -; got ${typeof namespace === 'string' ? `"${namespace}"` : typeof namespace}`,
    )
  }
}

/** Tags follow the key rules (non-empty strings within the byte limit). */
export function assertValidTags(tags: unknown, maxBytes: number): asserts tags is readonly string[] {
  if (!Array.isArray(tags))
    throw new InvalidOptionError(`tags must be an array of strings; got ${typeof tags}`)
  for (const tag of tags) {
    if (typeof tag !== 'string' || tag.length === 0 || Buffer.byteLength(tag) > maxBytes) {
      throw new InvalidOptionError(
        `every tag must be a non-empty string of at most ${maxBytes} bytes; got ${typeof tag === 'string' ? `"${truncate(tag, 40)}"` : typeof tag}`,
      )
    }
  }
}
