/**
 * Copies of binary values that own exactly their own bytes. A view handed to a caller must not keep
 * a larger buffer alive behind it: a value decoded from a Redis reply would otherwise expose the
 * whole reply (other keys' values read in the same MGET) through `.buffer`, and `Buffer.from` copies
 * small Buffers into Node's shared 8 KB pool, which holds other copies' bytes.
 */
export function copyBinary<T extends ArrayBufferView>(view: T): T {
  if (Buffer.isBuffer(view)) {
    // allocUnsafeSlow never uses the pool; every byte is overwritten at once.
    const copy = Buffer.allocUnsafeSlow(view.byteLength)
    copy.set(view)
    return copy as unknown as T
  }
  if (view instanceof DataView) {
    return new DataView(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength)) as unknown as T
  }
  // %TypedArray%.prototype.slice copies into a new buffer of exactly this array's length.
  return (view as unknown as Uint8Array).slice() as unknown as T
}
