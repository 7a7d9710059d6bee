import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { BusAuthenticator } from '../../src/sync/bus-auth.js'
import { type BusMessage, decodeMessage, encodeMessage } from '../../src/sync/messages.js'

const versioned = fc.array(fc.tuple(fc.string({ minLength: 1 }), fc.maxSafeNat()), { maxLength: 20 })
const message: fc.Arbitrary<BusMessage> = fc.record(
  {
    o: fc.string({ minLength: 1, maxLength: 64 }),
    s: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    k: versioned,
    t: versioned,
    f: fc.array(fc.string({ minLength: 1 }), { maxLength: 20 }),
    c: fc.constant(1 as const),
    h: fc.constant(1 as const),
  },
  { requiredKeys: ['o', 's'] },
)
const bytes = (text: string) => Buffer.from(text, 'utf8')

describe('decodeMessage', () => {
  test('gives back every well-formed message it is given', () => {
    fc.assert(
      fc.property(message, (sent) => {
        expect(decodeMessage(bytes(encodeMessage(sent)), 100)).toEqual(sent)
      }),
    )
  })

  test('never throws on arbitrary bytes or JSON; answers a message or a reason', () => {
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 200 }).map((array) => Buffer.from(array)),
      fc.json().map(bytes),
      fc.jsonValue().map((value) => bytes(JSON.stringify({ o: 'x', s: 1, k: value }))),
    )
    fc.assert(
      fc.property(input, (raw) => {
        const decoded = decodeMessage(raw, 100)
        expect(typeof decoded === 'object' || ['malformed', 'oversized'].includes(decoded)).toBe(true)
      }),
    )
  })

  test.each([
    ['a version of 1e300', '{"o":"x","s":1,"t":[["cat",1e300]]}'],
    ['a version of 1e999 (Infinity)', '{"o":"x","s":1,"t":[["cat",1e999]]}'],
    ['a negative version', '{"o":"x","s":1,"k":[["k",-1]]}'],
    ['a fractional version', '{"o":"x","s":1,"k":[["k",0.5]]}'],
    ['a version as a string', '{"o":"x","s":1,"k":[["k","1"]]}'],
    ['a pair of three', '{"o":"x","s":1,"k":[["k",1,2]]}'],
    ['an empty key', '{"o":"x","s":1,"k":[["",1]]}'],
    ['sequence number 0', '{"o":"x","s":0}'],
    ['no origin', '{"s":1,"c":1}'],
    ['an over-long origin', JSON.stringify({ o: 'o'.repeat(129), s: 1 })],
    ['clear as true', '{"o":"x","s":1,"c":true}'],
    ['an array', '[{"o":"x","s":1}]'],
    ['deep nesting', `{"o":"x","s":1,"k":${'['.repeat(10_000)}${']'.repeat(10_000)}}`],
  ])('refuses %s as malformed', (_, text) => {
    expect(decodeMessage(bytes(text), 1000)).toBe('malformed')
  })

  test('brackets inside strings do not count as nesting', () => {
    const text = JSON.stringify({ o: 'x', s: 1, k: [['[[[[{{{{\\"', 1]] })
    expect(decodeMessage(bytes(text), 1000)).toMatchObject({ k: [['[[[[{{{{\\"', 1]] })
  })

  test('counts keys, tags and filled keys together against maxItems', () => {
    const text = JSON.stringify({ o: 'x', s: 1, k: [['a', 1]], t: [['b', 1]], f: ['c'] })
    expect(decodeMessage(bytes(text), 3)).toMatchObject({ o: 'x' })
    expect(decodeMessage(bytes(text), 2)).toBe('oversized')
  })

  test('keeps __proto__ as data and carries no field it does not know', () => {
    const decoded = decodeMessage(bytes('{"o":"x","s":1,"__proto__":{"polluted":1},"extra":2}'), 10)
    expect(decoded).toEqual({ o: 'x', s: 1 })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})

describe('BusAuthenticator', () => {
  const channel = 'hot:ns#bus'
  const secret = 'sixteen bytes at least'

  test('opens what it signed, and nothing that was changed on the way', () => {
    const authenticator = new BusAuthenticator(secret, channel)
    fc.assert(
      fc.property(message, fc.nat(), fc.integer({ min: 1, max: 255 }), (sent, at, flip) => {
        const signed = bytes(authenticator.sign(encodeMessage(sent)))
        expect(authenticator.open(signed)?.toString('utf8')).toBe(encodeMessage(sent))
        const tampered = Buffer.from(signed)
        const i = at % tampered.length
        tampered[i] = (tampered[i] as number) ^ flip
        expect(authenticator.open(tampered)).toBeUndefined()
      }),
    )
  })

  test('refuses messages signed with another secret or for another channel, and unsigned ones', () => {
    const json = '{"o":"x","s":1,"c":1}'
    const ours = new BusAuthenticator(secret, channel)
    expect(
      ours.open(bytes(new BusAuthenticator('another secret of bytes', channel).sign(json))),
    ).toBeUndefined()
    expect(ours.open(bytes(new BusAuthenticator(secret, 'hot:other#bus').sign(json)))).toBeUndefined()
    expect(ours.open(bytes(json))).toBeUndefined()
    expect(ours.open(Buffer.alloc(0))).toBeUndefined()
  })

  test('rotates secrets: signs with the first of a list, accepts any', () => {
    const json = '{"o":"x","s":1,"c":1}'
    const [old, next] = ['the old secret, 16+ bytes', 'the new secret, 16+ bytes']
    const signedOld = bytes(new BusAuthenticator([old, next], channel).sign(json))
    const signedNew = bytes(new BusAuthenticator([next, old], channel).sign(json))
    expect(new BusAuthenticator(old, channel).open(signedOld)?.toString()).toBe(json)
    expect(new BusAuthenticator([next, old], channel).open(signedOld)?.toString()).toBe(json)
    expect(new BusAuthenticator([old, next], channel).open(signedNew)?.toString()).toBe(json)
    expect(new BusAuthenticator(next, channel).open(signedNew)?.toString()).toBe(json)
    expect(new BusAuthenticator(old, channel).open(signedNew)).toBeUndefined()
  })

  test('accepts a Buffer secret equal to the string', () => {
    const json = '{"o":"x","s":1,"c":1}'
    const signed = new BusAuthenticator(Buffer.from(secret), channel).sign(json)
    expect(new BusAuthenticator(secret, channel).open(bytes(signed))?.toString()).toBe(json)
  })
})
