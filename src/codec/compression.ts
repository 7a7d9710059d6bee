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

/** Inflates a payload; `maxBytes` guards against decompression bombs written under our keys. */
export function decompress(payload: Uint8Array, maxBytes: number): Buffer {
  return zlib.inflateRawSync(payload, { maxOutputLength: maxBytes })
}
