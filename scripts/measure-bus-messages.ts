/**
 * What checking a received bus message costs: validation alone, and with HMAC-SHA256 authentication,
 * for a heartbeat, small and full messages, and the largest message the default limits let through.
 * Run: npx tsx scripts/measure-bus-messages.ts
 */
import { BusAuthenticator } from '../src/sync/bus-auth.js'
import { DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_MESSAGE_ITEMS } from '../src/sync/bus-options.js'
import { decodeMessage, encodeMessage } from '../src/sync/messages.js'

const channel = 'hot:shop#bus'
const authenticator = new BusAuthenticator('a secret of thirty-two bytes....', channel)
const origin = '1b4e28ba-2fa1-11d2-883f-0016d3cca427'
const version = 1_765_000_000_000_000

function keys(count: number, length: number): [string, number][] {
  return Array.from({ length: count }, (_, i) => [`product:${i}:`.padEnd(length, 'x'), version])
}

const cases = [
  ['heartbeat', encodeMessage({ o: origin, s: 1, h: 1 })],
  ['1 key', encodeMessage({ o: origin, s: 1, k: keys(1, 20) })],
  ['100 keys', encodeMessage({ o: origin, s: 1, k: keys(100, 20) })],
  ['1000 keys', encodeMessage({ o: origin, s: 1, k: keys(1000, 20) })],
  // The most the defaults accept: 1000 keys of about a kilobyte each, just under 1 MiB.
  ['1000 keys of 1 KB', encodeMessage({ o: origin, s: 1, k: keys(1000, 1000) })],
] as const

/** Microseconds per call of `run`, the median of 5 rounds of enough calls to take about 200 ms. */
function measure(run: () => unknown): number {
  const start = performance.now()
  let calls = 0
  while (performance.now() - start < 20) {
    run()
    calls++
  }
  const perRound = Math.max(1, Math.round(calls * 10))
  const rounds: number[] = []
  for (let round = 0; round < 5; round++) {
    const began = performance.now()
    for (let i = 0; i < perRound; i++) run()
    rounds.push(((performance.now() - began) * 1000) / perRound)
  }
  return rounds.sort((a, b) => a - b)[2] as number
}

console.log(`limits: ${DEFAULT_MAX_MESSAGE_BYTES} bytes, ${DEFAULT_MAX_MESSAGE_ITEMS} items`)
console.log('message            | bytes   | JSON.parse µs | validated µs | + HMAC µs')
for (const [name, json] of cases) {
  const plain = Buffer.from(json)
  const signed = Buffer.from(authenticator.sign(json))
  const parse = measure(() => JSON.parse(plain.toString('utf8')))
  const validated = measure(() => decodeMessage(plain, DEFAULT_MAX_MESSAGE_ITEMS))
  const authenticated = measure(() => {
    const opened = authenticator.open(signed)
    return opened && decodeMessage(opened, DEFAULT_MAX_MESSAGE_ITEMS)
  })
  console.log(
    `${name.padEnd(18)} | ${String(plain.length).padStart(7)} | ${parse.toFixed(1).padStart(13)} | ${validated.toFixed(1).padStart(12)} | ${authenticated.toFixed(1).padStart(9)}`,
  )
}

/** What refusing costs: the checks stop before JSON.parse. */
const brackets = Math.floor(DEFAULT_MAX_MESSAGE_BYTES / 2) - 10
const refused = [
  ['1 MiB of nesting', Buffer.from(`${'['.repeat(brackets)}${']'.repeat(brackets)}`), 'validated'],
  ['1 MiB, wrong MAC', Buffer.from(`${'A'.repeat(43)}.${cases[4][1]}`), 'authenticated'],
] as const
console.log('\nrefused            | bytes   | JSON.parse µs | refused µs')
for (const [name, raw, by] of refused) {
  const json = by === 'validated' ? raw : raw.subarray(44)
  const parse = measure(() => JSON.parse(json.toString('utf8')))
  const refusal =
    by === 'validated'
      ? measure(() => decodeMessage(raw, DEFAULT_MAX_MESSAGE_ITEMS))
      : measure(() => authenticator.open(raw))
  console.log(
    `${name.padEnd(18)} | ${String(raw.length).padStart(7)} | ${parse.toFixed(1).padStart(13)} | ${refusal.toFixed(1).padStart(10)}`,
  )
}
