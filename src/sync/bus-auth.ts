import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto'

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
 */
export class BusAuthenticator {
  private readonly key: KeyObject
  private readonly context: Buffer

  constructor(secret: string | Uint8Array, channel: string) {
    this.key = createSecretKey(typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret)
    this.context = Buffer.from(`${channel}\n`, 'utf8')
  }

  /** The signed form of a message's JSON. */
  sign(json: string): string {
    return `${this.mac(Buffer.from(json, 'utf8')).toString('base64url')}.${json}`
  }

  /** Bytes a signed message adds to its JSON. */
  get overhead(): number {
    return MAC_LENGTH + 1
  }

  /** The JSON of a signed message if its MAC is right, else undefined. Never throws. */
  open(raw: Buffer): Buffer | undefined {
    if (raw.length <= MAC_LENGTH || raw[MAC_LENGTH] !== DOT) return undefined
    const json = raw.subarray(MAC_LENGTH + 1)
    // Compared as text, not decoded: base64 would let several spellings of the last character pass.
    const expected = Buffer.from(this.mac(json).toString('base64url'), 'latin1')
    return timingSafeEqual(raw.subarray(0, MAC_LENGTH), expected) ? json : undefined
  }

  private mac(json: Buffer): Buffer {
    return createHmac('sha256', this.key).update(this.context).update(json).digest()
  }
}
