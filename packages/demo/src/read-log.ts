import { closeSync, openSync, readFileSync, writeSync } from 'node:fs'
import type { ReadRecord } from '../../../scripts/consistency/analyze.js'

/**
 * Every product version an application instance returned, with when the read started, for the stale
 * read check afterwards. Binary (16 bytes a read: product id, version, start time) because a demo run
 * logs millions of reads.
 */
const RECORD_BYTES = 16
const CHUNK_RECORDS = 4096

export class ReadLogWriter {
  private readonly fd: number
  private readonly chunk = Buffer.allocUnsafe(RECORD_BYTES * CHUNK_RECORDS)
  private used = 0

  constructor(file: string) {
    this.fd = openSync(file, 'w')
  }

  record(productId: number, version: number, startedAt: number): void {
    const offset = this.used * RECORD_BYTES
    this.chunk.writeInt32LE(productId, offset)
    this.chunk.writeInt32LE(version, offset + 4)
    this.chunk.writeDoubleLE(startedAt, offset + 8)
    if (++this.used === CHUNK_RECORDS) this.flush()
  }

  flush(): void {
    if (this.used === 0) return
    writeSync(this.fd, this.chunk, 0, this.used * RECORD_BYTES)
    this.used = 0
  }

  close(): void {
    this.flush()
    closeSync(this.fd)
  }
}

/** Reads a log back, keeping only reads of products in `written` (no other read can be stale). */
export function readLog(file: string, written: ReadonlySet<number>): { reads: ReadRecord[]; total: number } {
  const bytes = readFileSync(file)
  const reads: ReadRecord[] = []
  const total = Math.floor(bytes.byteLength / RECORD_BYTES)
  for (let offset = 0; offset + RECORD_BYTES <= bytes.byteLength; offset += RECORD_BYTES) {
    const id = bytes.readInt32LE(offset)
    if (!written.has(id)) continue
    reads.push({
      key: `product:${id}`,
      version: bytes.readInt32LE(offset + 4),
      startedAt: bytes.readDoubleLE(offset + 8),
    })
  }
  return { reads, total }
}
