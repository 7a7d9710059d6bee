/**
 * A growing log of (key index, version, time) triples in one Float64Array: a worker records every read
 * of a measured run without allocating an object per read, and hands the log over as bytes.
 */
export class RecordLog {
  private values = new Float64Array(3 << 16)
  private count = 0

  add(key: number, version: number, at: number): void {
    if ((this.count + 1) * 3 > this.values.length) {
      const grown = new Float64Array(this.values.length * 2)
      grown.set(this.values)
      this.values = grown
    }
    const offset = this.count * 3
    this.values[offset] = key
    this.values[offset + 1] = version
    this.values[offset + 2] = at
    this.count++
  }

  bytes(): Uint8Array {
    return new Uint8Array(this.values.buffer, 0, this.count * 3 * 8)
  }

  /** The triples of a log written by `bytes()`. */
  static parse(bytes: Uint8Array): { key: number; version: number; at: number }[] {
    const copy = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
    const out: { key: number; version: number; at: number }[] = []
    for (let i = 0; i + 2 < copy.length; i += 3) {
      out.push({ key: copy[i] as number, version: copy[i + 1] as number, at: copy[i + 2] as number })
    }
    return out
  }
}
