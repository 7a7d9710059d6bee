/**
 * What travels on the invalidation bus, one JSON object per PUBLISH (readable by other languages).
 * Every message carries its origin (a random id per cache instance) and that origin's sequence number,
 * so a receiver can ignore its own messages and notice a lost one.
 */
export interface BusMessage {
  /** Origin: the publishing cache instance. */
  readonly o: string
  /** Sequence number, +1 per message of this origin (heartbeats included). */
  readonly s: number
  /** Keys written or deleted, each with the version now stored (a tombstone's version for deletes). */
  readonly k?: readonly (readonly [string, number])[]
  /** Tags invalidated, each with its new version. */
  readonly t?: readonly (readonly [string, number])[]
  /** Keys a lease holder has just filled: processes waiting for them can read them now. */
  readonly f?: readonly string[]
  /** The namespace was cleared. */
  readonly c?: 1
  /** Heartbeat only (proves the bus works end to end). */
  readonly h?: 1
}

export function encodeMessage(message: BusMessage): string {
  return JSON.stringify(message)
}

/** Parses a message; returns undefined for anything that is not one of ours (never throws). */
export function decodeMessage(raw: Buffer | string): BusMessage | undefined {
  try {
    const message = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8')) as BusMessage
    if (typeof message !== 'object' || message === null) return undefined
    if (typeof message.o !== 'string' || !Number.isSafeInteger(message.s)) return undefined
    if (message.k !== undefined && !isVersionedList(message.k)) return undefined
    if (message.t !== undefined && !isVersionedList(message.t)) return undefined
    if (
      message.f !== undefined &&
      !(Array.isArray(message.f) && message.f.every((key) => typeof key === 'string'))
    )
      return undefined
    return message
  } catch {
    return undefined
  }
}

function isVersionedList(list: unknown): boolean {
  return (
    Array.isArray(list) &&
    list.every((item) => Array.isArray(item) && typeof item[0] === 'string' && typeof item[1] === 'number')
  )
}
