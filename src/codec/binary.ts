/**
 * Copies of binary values that own exactly their own bytes. A view handed to a caller must not keep
 * a larger buffer alive behind it: a value decoded from a Redis reply would otherwise expose the
 * whole reply (other keys' values read in the same MGET) through `.buffer`, and `Buffer.from` copies
 * small Buffers into Node's shared 8 KB pool, which holds other copies' bytes.
 */
export function copyBinary<T extends ArrayBufferView>(view: T): T {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength)
  const owned = new ArrayBuffer(view.byteLength)
  new Uint8Array(owned).set(bytes)
  if (Buffer.isBuffer(view)) return Buffer.from(owned) as unknown as T
  if (view instanceof DataView) return new DataView(owned) as unknown as T
  const TypedArray = view.constructor as new (buffer: ArrayBuffer) => T
  return new TypedArray(owned)
}
