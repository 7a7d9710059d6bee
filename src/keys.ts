import { InvalidKeyError, InvalidOptionError, truncate } from './errors.js'

/** Keys longer than this many UTF-8 bytes are rejected unless `maxKeyBytes` says otherwise. */
export const DEFAULT_MAX_KEY_BYTES = 1024

/** Most tags one entry may carry unless `maxTags` says otherwise. */
export const DEFAULT_MAX_TAGS = 64

/**
 * Throws an {@link InvalidKeyError} unless `key` is a non-empty, well-formed string of at most
 * `maxBytes` UTF-8 bytes.
 */
export function assertValidKey(key: unknown, maxBytes: number): asserts key is string {
  if (typeof key !== 'string') {
    throw new InvalidKeyError(`cache keys must be strings; got ${key === null ? 'null' : typeof key}`)
  }
  if (key.length === 0) throw new InvalidKeyError('cache keys must not be empty')
  assertWellFormedKey(key)
  // A UTF-16 code unit encodes to at most 3 UTF-8 bytes, so short keys skip the byte count.
  if (key.length * 3 > maxBytes && Buffer.byteLength(key, 'utf8') > maxBytes) {
    throw new InvalidKeyError(
      `cache key "${truncate(key, 40)}" is ${Buffer.byteLength(key, 'utf8')} bytes; the limit is ${maxBytes} (option maxKeyBytes)`,
    )
  }
}

/**
 * Throws an {@link InvalidKeyError} for a string with a lone UTF-16 surrogate: UTF-8 has no encoding
 * for one, so `"\ud800"` and `"\udc00"` would both reach Redis as U+FFFD, the same key.
 */
export function assertWellFormedKey(key: string): void {
  if (!isWellFormed(key)) {
    throw new InvalidKeyError(
      `cache key "${truncate(key, 40)}" is not well-formed UTF-16 (it has a lone surrogate)`,
    )
  }
}

/** `String.prototype.isWellFormed` (Node 20), which the ES2023 library types do not declare. */
export function isWellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed()
}

/**
 * True for a non-empty string whose length alone proves it within `maxBytes` UTF-8 bytes: the check
 * of the L1 fast path. False does not mean invalid, only that {@link assertValidKey} must decide; true
 * does not prove it well-formed, which a memory hit needs not (only valid keys are ever written), but
 * anything that reads further must check ({@link assertWellFormedKey}).
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

/**
 * Tags follow the key rules (non-empty, well-formed strings within the byte limit). `maxTags`, when
 * given, bounds how many one entry may carry.
 */
export function assertValidTags(
  tags: unknown,
  maxBytes: number,
  maxTags = Number.POSITIVE_INFINITY,
): asserts tags is readonly string[] {
  if (!Array.isArray(tags))
    throw new InvalidOptionError(`tags must be an array of strings; got ${typeof tags}`)
  if (tags.length > maxTags && new Set(tags).size > maxTags) {
    throw new InvalidOptionError(
      `an entry may carry at most ${maxTags} tags (option maxTags); got ${new Set(tags).size}`,
    )
  }
  for (const tag of tags) {
    if (
      typeof tag !== 'string' ||
      tag.length === 0 ||
      Buffer.byteLength(tag) > maxBytes ||
      !isWellFormed(tag)
    ) {
      throw new InvalidOptionError(
        `every tag must be a non-empty, well-formed string of at most ${maxBytes} bytes; got ${typeof tag === 'string' ? `"${truncate(tag, 40)}"` : typeof tag}`,
      )
    }
  }
}

/**
 * A Redis tier's key prefix: at least one character, and exactly one `:`, at its end (`'hot:'`,
 * `'shop-cache:'`). A Redis key is `<prefix><namespace>:<key>` and namespaces contain no `:`, so
 * the prefix is everything up to the first `:`, the namespace what follows up to the next `:` or
 * `#`: no two different (prefix, namespace, key) triples can name the same Redis key. A prefix with
 * more colons would break that: `'app:'` with namespace `a` and key `b:k` is `'app:a:b:k'`, as is
 * `'app:a:'` with namespace `b` and key `k`.
 */
export function assertValidPrefix(prefix: unknown, what: string): asserts prefix is string {
  if (typeof prefix !== 'string' || !/^[^:]+:$/.test(prefix) || !isWellFormed(prefix)) {
    throw new InvalidOptionError(
      `${what} must end with ':' and contain no other ':' (e.g. 'hot:' or 'app-cache:'), so that no two namespaces' keys can meet; got ${typeof prefix === 'string' ? `"${truncate(prefix, 40)}"` : typeof prefix}`,
    )
  }
}
