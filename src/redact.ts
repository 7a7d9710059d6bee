/**
 * Credentials out of text: every message, event, log line and CLI line that may name a Redis URL goes
 * through these, so a password in `redis://user:password@host` is never printed.
 */

/** What stands in for a removed secret. */
export const REDACTED = '***'

/**
 * `scheme://userinfo@` in free text. The userinfo runs to the last `@` before whitespace, so a password
 * holding an unencoded `@`, `/` or `#` (which breaks the URL, but is still a password) is removed whole;
 * an `@` later in a path or query hides a little more than needed, never less.
 */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)(\S*)@/gi

/**
 * A URL with its password replaced: `redis://app:secret@host:6379` becomes `redis://app:***@host:6379`.
 * Userinfo without a colon (`redis://secret@host`) may be a password, so it is replaced whole.
 */
export function redactUrl(url: string): string {
  return url.replace(URL_USERINFO, (_match, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':')
    return colon < 0 ? `${scheme}${REDACTED}@` : `${scheme}${userinfo.slice(0, colon)}:${REDACTED}@`
  })
}

/**
 * Text with the credentials of every URL in it replaced (see {@link redactUrl}), and every one of
 * `secrets` (e.g. the password of a tier's URL, raw or percent-decoded) wherever it appears.
 */
export function redactCredentials(text: string, secrets: readonly string[] = []): string {
  return removeSecrets(redactUrl(text), secrets)
}

/** The password (and a username given without one) of a URL, raw and percent-decoded, to redact elsewhere. */
export function urlSecrets(url: string): string[] {
  const userinfo = /^[a-z][a-z0-9+.-]*:\/\/(\S*)@/i.exec(url)?.[1]
  if (userinfo === undefined) return []
  const colon = userinfo.indexOf(':')
  const secret = colon < 0 ? userinfo : userinfo.slice(colon + 1)
  const forms = new Set([secret, safeDecode(secret)])
  return [...forms].filter((form) => form.length > 0)
}

/**
 * An error whose message and stack name no credentials: the error itself when they are clean, else a
 * copy (same name and `code`, no `cause`) with them redacted.
 */
export function redactError(error: unknown, secrets: readonly string[]): unknown {
  if (!(error instanceof Error)) return error
  const message = redactCredentials(error.message, secrets)
  const stack = error.stack ?? ''
  if (message === error.message && removeSecrets(stack, secrets) === stack) return error
  const copy = new Error(message)
  copy.name = error.name
  // The stack starts with the message; the rest is file paths, where only literal secrets are removed.
  copy.stack = removeSecrets(stack.replace(error.message, message), secrets)
  const code = (error as { code?: unknown }).code
  if (code !== undefined) Object.assign(copy, { code })
  return copy
}

function removeSecrets(text: string, secrets: readonly string[]): string {
  let redacted = text
  for (const secret of secrets) {
    if (secret.length > 0) redacted = redacted.replaceAll(secret, REDACTED)
  }
  return redacted
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}
