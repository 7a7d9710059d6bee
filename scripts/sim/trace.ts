import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

/**
 * An access trace: `ids[i]` is the dense id (0..keys.length-1) of the i-th access, `keys[id]` the
 * string key a cache sees. Ids let the offline optimum index arrays; strings are made once per key.
 */
export interface Trace {
  readonly name: string
  readonly ids: Uint32Array
  readonly keys: readonly string[]
}

/** Builds a trace from raw integer keys, numbering keys in order of first access. */
export function traceFromKeys(name: string, rawKeys: ArrayLike<number>): Trace {
  const idOf = new Map<number, number>()
  const keys: string[] = []
  const ids = new Uint32Array(rawKeys.length)
  for (let i = 0; i < rawKeys.length; i++) {
    const raw = rawKeys[i] as number
    let id = idOf.get(raw)
    if (id === undefined) {
      id = keys.length
      idOf.set(raw, id)
      keys.push(`k${raw}`)
    }
    ids[i] = id
  }
  return { name, ids, keys }
}

/**
 * Reads a trace file of 32-bit big-endian keys (the cache2k format), xz-compressed when its name
 * ends in `.xz` (decompressed by the `xz` command, which must be on the PATH). `limit` keeps only
 * the first accesses.
 */
export function readTraceFile(path: string, limit = Number.POSITIVE_INFINITY): Trace {
  const bytes = path.endsWith('.xz') ? decompressXz(path) : readFileSync(path)
  const count = Math.min(Math.floor(bytes.byteLength / 4), limit)
  const view = new DataView(bytes.buffer, bytes.byteOffset, count * 4)
  const raw = new Int32Array(count)
  for (let i = 0; i < count; i++) raw[i] = view.getInt32(i * 4, false)
  const base = path.split(/[\\/]/).pop() ?? path
  return traceFromKeys(base.replace(/\.trace(\.xz)?$|\.xz$/, ''), raw)
}

function decompressXz(path: string): Buffer {
  try {
    return execFileSync('xz', ['-dc', path], { maxBuffer: 1 << 30 })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') {
      throw new Error('reading .xz traces needs the xz command (Debian/Ubuntu: apt-get install xz-utils)')
    }
    throw error
  }
}
