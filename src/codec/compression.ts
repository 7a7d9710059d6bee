import zlib from 'node:zlib'

/** Per-tier compression: raw DEFLATE from Node's zlib, applied only above a size threshold. */
export interface CompressionOptions {
  /** Payloads smaller than this many bytes stay raw. Default 1024. */
  threshold?: number
  /** zlib level 1 (fastest) to 9 (smallest). Default 1: caches favour speed. */
  level?: number
}

export interface Compressor {
  readonly threshold: number
  compress(payload: Uint8Array): Uint8Array | undefined
}

export function createCompressor(options: CompressionOptions | true): Compressor {
  const settings = options === true ? {} : options
  const threshold = settings.threshold ?? 1024
  const level = settings.level ?? 1
  return {
    threshold,
    compress(payload) {
      if (payload.byteLength < threshold) return undefined
      const packed = zlib.deflateRawSync(payload, { level })
      // Keep the raw bytes when compression does not pay for itself.
      return packed.byteLength < payload.byteLength ? packed : undefined
    },
  }
}

/** {@link decompress}'s answer for a payload that would inflate past its limit. */
export const OVER_LIMIT = Symbol('over the limit')
/** {@link decompress}'s answer for bytes that are not DEFLATE data. */
export const CORRUPT = Symbol('corrupt')

/**
 * Inflates a payload, stopping as soon as it would exceed `maxBytes` (a decompression bomb written
 * under our keys costs at most that much).
 */
export function decompress(
  payload: Uint8Array,
  maxBytes: number,
): Buffer | typeof OVER_LIMIT | typeof CORRUPT {
  try {
    return zlib.inflateRawSync(payload, { maxOutputLength: maxBytes })
  } catch (error) {
    return (error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE' ? OVER_LIMIT : CORRUPT
  }
}
