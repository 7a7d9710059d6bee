import type { Entry } from '../entry.js'
import { isPlausibleVersion, NO_TAGS } from '../entry.js'
import type { Compressor } from './compression.js'
import { CORRUPT, decompress, OVER_LIMIT } from './compression.js'
import { deserializeFrom, type Serializer } from './serializer.js'

/*
 * Wire format of an entry in a Redis tier (format 1). Fixed header first so Lua scripts can read the
 * version without decoding the value:
 *
 *   offset  size  field
 *   0       1     magic 0xC1 (a byte no serializer's output starts with by accident in our tests)
 *   1       1     format version (1)
 *   2       1     flags: bit 0 compressed payload, bit 1 tombstone, bit 2 has tags
 *   3       1     serializer id (0 for tombstones)
 *   4       8     version, float64 big-endian (an integer below 2^53)
 *   12      8     createdAt, float64 BE, epoch ms
 *   20      8     freshUntil, float64 BE
 *   28      8     staleUntil, float64 BE
 *   36      ...   if has tags: uint16 count, then per tag uint16 byte length + UTF-8 bytes
 *   ...     ...   payload (serialized value, maybe DEFLATE-compressed)
 *
 * A new format gets a new format byte; readers treat unknown formats as undecodable (a miss).
 */
export const ENTRY_MAGIC = 0xc1
export const ENTRY_FORMAT = 1
export const VERSION_OFFSET = 4
export const HEADER_BYTES = 36

const FLAG_COMPRESSED = 1
const FLAG_TOMBSTONE = 2
const FLAG_TAGS = 4

/**
 * Default of the cache option `maxValueBytes`: the largest serialized value a cache writes, and reads
 * back (compressed payloads stop inflating there, so a small decompression bomb costs no more).
 */
export const DEFAULT_MAX_VALUE_BYTES = 16 * 1024 * 1024

export interface EncodeOptions {
  serializer: Serializer
  compressor?: Compressor | undefined
}

/** Encodes an entry whose value has already been serialized (so one serialization serves every tier). */
export function encodeEntry(
  entry: Entry,
  payload: Uint8Array | undefined,
  serializerId: number,
  compressor?: Compressor,
): Buffer {
  let body: Uint8Array = payload ?? EMPTY
  let flags = 0
  if (entry.tombstone) flags |= FLAG_TOMBSTONE
  if (compressor && payload) {
    const packed = compressor.compress(payload)
    if (packed) {
      body = packed
      flags |= FLAG_COMPRESSED
    }
  }
  const tagBytes = entry.tags.length > 0 ? encodeTags(entry.tags) : undefined
  if (tagBytes) flags |= FLAG_TAGS
  const out = Buffer.allocUnsafe(HEADER_BYTES + (tagBytes?.byteLength ?? 0) + body.byteLength)
  out[0] = ENTRY_MAGIC
  out[1] = ENTRY_FORMAT
  out[2] = flags
  out[3] = entry.tombstone ? 0 : serializerId
  out.writeDoubleBE(entry.version, 4)
  out.writeDoubleBE(entry.createdAt, 12)
  out.writeDoubleBE(entry.freshUntil, 20)
  out.writeDoubleBE(entry.staleUntil, 28)
  let offset = HEADER_BYTES
  if (tagBytes) {
    out.set(tagBytes, offset)
    offset += tagBytes.byteLength
  }
  out.set(body, offset)
  return out
}

const EMPTY = new Uint8Array(0)

function encodeTags(tags: readonly string[]): Buffer {
  const encoded = tags.map((tag) => Buffer.from(tag, 'utf8'))
  const size = 2 + encoded.reduce((sum, bytes) => sum + 2 + bytes.byteLength, 0)
  const out = Buffer.allocUnsafe(size)
  out.writeUInt16BE(encoded.length, 0)
  let offset = 2
  for (const bytes of encoded) {
    out.writeUInt16BE(bytes.byteLength, offset)
    out.set(bytes, offset + 2)
    offset += 2 + bytes.byteLength
  }
  return out
}

export type DecodeResult =
  | { readonly ok: true; readonly entry: Entry; readonly payload: Uint8Array | undefined }
  | { readonly ok: false; readonly reason: string }

/**
 * A decoded entry. Its payload (the serialized value) is a view of the bytes read, made only when
 * asked for: only a back-fill into another Redis tier uses it, and most reads make none.
 */
class Decoded {
  readonly ok = true
  constructor(
    readonly entry: Entry,
    private readonly bytes: Buffer | undefined,
    private readonly start: number,
  ) {}

  get payload(): Uint8Array | undefined {
    return this.bytes?.subarray(this.start)
  }
}

/**
 * The version in an entry's header, or undefined when the bytes do not start with an entry header or
 * its version is not one a tier issues (see {@link isPlausibleVersion}).
 */
export function entryVersion(bytes: Buffer): number | undefined {
  if (bytes.byteLength < HEADER_BYTES || bytes[0] !== ENTRY_MAGIC || bytes[1] !== ENTRY_FORMAT)
    return undefined
  const version = bytes.readDoubleBE(4)
  return isPlausibleVersion(version, Date.now()) ? version : undefined
}

/**
 * Decodes bytes read from a tier. Never throws: anything that is not a well-formed entry of a known
 * format and serializer, or whose serialized value is over `maxValueBytes` (raw or once inflated),
 * comes back as `{ ok: false, reason }`, which callers count as a miss.
 */
export function decodeEntry(
  bytes: Uint8Array,
  serializers: ReadonlyMap<number, Serializer>,
  maxValueBytes = DEFAULT_MAX_VALUE_BYTES,
): DecodeResult {
  if (bytes.byteLength < HEADER_BYTES) return fail(`too short (${bytes.byteLength} bytes)`)
  if (bytes[0] !== ENTRY_MAGIC) return fail('not a tiercache entry (bad magic byte)')
  if (bytes[1] !== ENTRY_FORMAT) return fail(`unknown entry format ${bytes[1]}`)
  const buffer = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const flags = buffer[2] as number
  const view = viewOf(buffer)
  const start = buffer.byteOffset
  const version = view.getFloat64(start + 4)
  const createdAt = view.getFloat64(start + 12)
  const freshUntil = view.getFloat64(start + 20)
  const staleUntil = view.getFloat64(start + 28)
  if (!Number.isFinite(createdAt) || !Number.isFinite(freshUntil) || !Number.isFinite(staleUntil))
    return fail('corrupt header')
  if (!isPlausibleVersion(version, Date.now()))
    return fail('version is not one a tier issues (not an integer, or over a day ahead of this clock)')
  let offset = HEADER_BYTES
  let tags: readonly string[] = NO_TAGS
  if (flags & FLAG_TAGS) {
    const parsed = decodeTags(buffer, offset)
    if (!parsed) return fail('corrupt tag list')
    tags = parsed.tags
    offset = parsed.end
  }
  const tombstone = (flags & FLAG_TOMBSTONE) !== 0
  if (tombstone) {
    const entry = { value: undefined, version, createdAt, freshUntil, staleUntil, tags, tombstone }
    return new Decoded(entry, undefined, 0)
  }
  const serializer = serializers.get(buffer[3] as number)
  if (!serializer) return fail(`unknown serializer id ${buffer[3]}`)
  let payload = buffer
  let payloadStart = offset
  if (flags & FLAG_COMPRESSED) {
    const inflated = decompress(buffer.subarray(offset), maxValueBytes)
    if (inflated === OVER_LIMIT) return fail(`value inflates past maxValueBytes (${maxValueBytes})`)
    if (inflated === CORRUPT) return fail('compressed payload does not inflate')
    payload = inflated
    payloadStart = 0
  } else if (buffer.byteLength - offset > maxValueBytes) {
    return fail(`value of ${buffer.byteLength - offset} bytes is over maxValueBytes (${maxValueBytes})`)
  }
  try {
    const value = deserializeFrom(serializer, payload, payloadStart)
    const entry = { value, version, createdAt, freshUntil, staleUntil, tags, tombstone }
    return new Decoded(entry, payload, payloadStart)
  } catch (error) {
    return fail(
      `${serializer.name} payload does not decode: ${error instanceof Error ? error.message : String(error)}`,
    )
  }
}

/**
 * A DataView of the memory behind `bytes`, for the header's doubles: DataView reads compile inline,
 * where each `readDoubleBE` is a call. The values of one MGET reply mostly share the memory of one
 * socket read, so the last view is kept for the next entry.
 */
let lastView: DataView | undefined

function viewOf(bytes: Buffer): DataView {
  if (lastView === undefined || lastView.buffer !== bytes.buffer) lastView = new DataView(bytes.buffer)
  return lastView
}

function decodeTags(buffer: Buffer, start: number): { tags: string[]; end: number } | undefined {
  if (start + 2 > buffer.byteLength) return undefined
  const count = buffer.readUInt16BE(start)
  const tags: string[] = []
  let offset = start + 2
  for (let i = 0; i < count; i++) {
    if (offset + 2 > buffer.byteLength) return undefined
    const length = buffer.readUInt16BE(offset)
    offset += 2
    if (offset + length > buffer.byteLength) return undefined
    tags.push(buffer.toString('utf8', offset, offset + length))
    offset += length
  }
  return { tags, end: offset }
}

function fail(reason: string): DecodeResult {
  return { ok: false, reason }
}
