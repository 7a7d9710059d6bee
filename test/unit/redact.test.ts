import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { redactCredentials, redactError, redactUrl, urlSecrets } from '../../src/redact.js'

describe('redactUrl', () => {
  test.each([
    ['redis://app:secret@127.0.0.1:6379/0', 'redis://app:***@127.0.0.1:6379/0'],
    ['rediss://:secret@cache.example:6380', 'rediss://:***@cache.example:6380'],
    ['redis://secret@127.0.0.1', 'redis://***@127.0.0.1'],
    ['redis://app:p%40ss@host', 'redis://app:***@host'],
    ['redis://app:p@ss/w#rd@host:1', 'redis://app:***@host:1'],
    ['http://user:pw@127.0.0.1:3000/metrics', 'http://user:***@127.0.0.1:3000/metrics'],
    ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379'],
    ['not a url', 'not a url'],
  ])('%s', (url, redacted) => {
    expect(redactUrl(url)).toBe(redacted)
  })

  test('every URL in a message, wherever it stands', () => {
    const text = 'tier "hot" at redis://app:one@h1:1 and "rediss://app:two@h2:2": failed (x@y)'
    expect(redactCredentials(text)).toBe(
      'tier "hot" at redis://app:***@h1:1 and "rediss://app:***@h2:2": failed (x@y)',
    )
  })

  test('no password survives, whatever its characters, raw or percent-encoded', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40, unit: 'binary' }).filter((text) => !/\s/.test(text)),
        fc.constantFrom('redis', 'rediss', 'http'),
        (tail, scheme) => {
          const password = `pw-${tail}`
          for (const form of [password, encodeURIComponent(password)]) {
            const message = `cannot reach tier "hot" at ${scheme}://app:${form}@127.0.0.1:6379: refused`
            const redacted = redactCredentials(message)
            expect(redacted).not.toContain('pw-')
            expect(redacted).toContain('@127.0.0.1:6379: refused')
          }
        },
      ),
    )
  })
})

describe('urlSecrets and redactError', () => {
  test('the password of a URL, raw and decoded', () => {
    expect(urlSecrets('redis://app:p%40ss@host')).toEqual(['p%40ss', 'p@ss'])
    expect(urlSecrets('redis://host:6379')).toEqual([])
  })

  test('an error naming a secret is copied with the secret removed; a clean one is kept', () => {
    const clean = new Error('connect ECONNREFUSED')
    expect(redactError(clean, ['p@ss'])).toBe(clean)
    const leaking = Object.assign(new Error('AUTH p@ss failed'), { code: 'EAUTH' })
    const redacted = redactError(leaking, ['p@ss']) as Error & { code: string }
    expect(redacted.message).toBe('AUTH *** failed')
    expect(redacted.code).toBe('EAUTH')
    expect(redacted.stack).not.toContain('p@ss')
  })
})
