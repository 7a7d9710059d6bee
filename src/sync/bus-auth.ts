import { createHmac, createSecretKey, KeyObject, timingSafeEqual } from 'node:crypto'

/** A bus secret: a string (UTF-8), bytes, or a secret KeyObject (`crypto.createSecretKey`). */
export type BusSecret = string | Uint8Array | KeyObject

export function toSecretKey(secret: BusSecret): KeyObject {
  if (secret instanceof KeyObject) return secret
  return createSecretKey(typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret)
}

/** Characters of an HMAC-SHA256 in base64url (32 bytes, no padding). */
const MAC_LENGTH = 43
/** The separator between the MAC and the message's JSON. */
const DOT = 0x2e

/**
 * Authenticates bus messages with a shared secret (option `sync.bus.secret`): each message travels as
 * `<mac>.<json>`, where mac is the base64url HMAC-SHA256 of `<channel>\n<json>`. The JSON holds the
 * origin and its sequence number, so both are covered, and the channel is, so a message cannot be
 * replayed into another namespace sharing the secret. Receivers check the MAC over the raw bytes before
 * parsing anything.
 *
 * Given several secrets (a rotation), messages are signed with the first and accepted under any.
 */
export class BusAuthenticator {
  private readonly keys: readonly KeyObject[]
  private readonly context: Buffer

  constructor(secret: BusSecret | readonly BusSecret[], channel: string) {
    const secrets = Array.isArray(secret) ? (secret as readonly BusSecret[]) : [secret as BusSecret]
    this.keys = secrets.map(toSecretKey)
    this.context = Buffer.from(`${channel}\n`, 'utf8')
  }

  /** The signed form of a message's JSON. */
  sign(json: string): string {
    return `${this.mac(this.keys[0] as KeyObject, Buffer.from(json, 'utf8'))}.${json}`
  }

  /** Bytes a signed message adds to its JSON. */
  get overhead(): number {
    return MAC_LENGTH + 1
  }

  /** The JSON of a signed message if its MAC is right under one of the secrets, else undefined. Never throws. */
  open(raw: Buffer): Buffer | undefined {
    if (raw.length <= MAC_LENGTH || raw[MAC_LENGTH] !== DOT) return undefined
    const given = raw.subarray(0, MAC_LENGTH)
    const json = raw.subarray(MAC_LENGTH + 1)
    // Compared as text, not decoded: base64 would let several spellings of the last character pass.
    const valid = this.keys.some((key) => timingSafeEqual(given, Buffer.from(this.mac(key, json), 'latin1')))
    return valid ? json : undefined
  }

  private mac(key: KeyObject, json: Buffer): string {
    return createHmac('sha256', key).update(this.context).update(json).digest('base64url')
  }
}
