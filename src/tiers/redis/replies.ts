/** Small helpers for Redis replies and key lists, shared by the Redis tier's files. */

import { UnexpectedReplyError } from '../../errors.js'

export function asArray(reply: unknown): readonly unknown[] {
  if (!Array.isArray(reply)) throw new UnexpectedReplyError('an array', reply)
  return reply
}

export function chunk<T>(items: readonly T[], size: number): (readonly T[])[] {
  if (items.length <= size) return [items]
  const parts: T[][] = []
  for (let i = 0; i < items.length; i += size) parts.push(items.slice(i, i + size))
  return parts
}

/** Escapes Redis glob metacharacters so a prefix matches only itself. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&')
}
