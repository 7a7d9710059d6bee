import { copyBinary } from '../codec/binary.js'
import { ReadonlyValueError } from '../errors.js'
import { isIndexWalkable } from './array-elements.js'

/**
 * Keeps callers from corrupting values held by a memory tier (they are shared by every caller).
 *
 * - `'freeze'` (default): the stored copy is deep-frozen once, when it is filled. Plain objects and
 *   arrays are frozen; Map, Set and Date are replaced by read-only subclasses (still `instanceof` their
 *   base class) whose mutators throw. Binary data (Buffer, typed arrays) cannot be frozen, so entries
 *   that contain any are cloned on every read instead.
 * - `'clone'`: every read returns a deep copy (slowest, no surprises for code that mutates results).
 * - `'none'`: the stored object itself is returned; the caller promises not to mutate it (fastest).
 *
 * Written by hand because no maintained library freezes Map/Set/Date or preserves Buffer in a clone.
 */
export type ValueProtection = 'freeze' | 'clone' | 'none'

function refuse(): never {
  throw new ReadonlyValueError()
}

export class ReadonlyMap<K, V> extends Map<K, V> {
  override set(): this {
    refuse()
  }
  override delete(): boolean {
    refuse()
  }
  override clear(): void {
    refuse()
  }
}

export class ReadonlySet<T> extends Set<T> {
  override add(): this {
    refuse()
  }
  override delete(): boolean {
    refuse()
  }
  override clear(): void {
    refuse()
  }
}

export class ReadonlyDate extends Date {}
for (const name of Object.getOwnPropertyNames(Date.prototype)) {
  if (name.startsWith('set')) Object.defineProperty(ReadonlyDate.prototype, name, { value: refuse })
}

// Code that checks `value.constructor === Map` (deep-equality helpers do) sees the base class.
for (const [readonly, base] of [
  [ReadonlyMap, Map],
  [ReadonlySet, Set],
  [ReadonlyDate, Date],
] as const) {
  Object.defineProperty(readonly.prototype, 'constructor', {
    value: base,
    writable: true,
    configurable: true,
  })
}

/** Result of preparing a value for storage in a memory tier. */
export interface Protected {
  readonly value: unknown
  /** True when reads must clone because something in the value could not be frozen. */
  readonly cloneOnRead: boolean
}

/*
 * Neither walk below can overflow the stack: a value read back from Redis may be nested 200,000 deep,
 * and plain recursion would throw a RangeError out of the read. Freezing (once per fill) is iterative,
 * with an explicit list of objects still to fill; cloning (on every read) recurses up to a fixed depth
 * and puts deeper objects on such a list. Each object gets its copy (or read-only twin) when first
 * met, so cycles and shared references come out as they went in. Long arrays are walked by the
 * elements they hold, not by their declared length (see array-elements.ts).
 */

/**
 * Freezes `value` in place (it must be a copy the cache owns). Returns the value to store, which
 * differs from `value` only when the root itself is a Map, Set or Date.
 */
export function freezeOwned(value: unknown): Protected {
  const walk = new FreezeWalk()
  const stored = walk.convert(value)
  walk.run()
  return { value: stored, cloneOnRead: walk.binary }
}

class FreezeWalk {
  /** True once binary data (which cannot be frozen) was met. */
  binary = false
  /** Each object met, and what replaces it (itself, or a read-only Map, Set or Date). */
  private readonly seen = new Map<object, unknown>()
  /** Objects whose members are still to convert. */
  private readonly pending: object[] = []
  /** Everything to freeze once every member is in place. */
  private readonly toFreeze: object[] = []

  /** What replaces `value` in the frozen copy; its members are converted later, by {@link run}. */
  convert(value: unknown): unknown {
    if (value === null || typeof value !== 'object') return value
    const known = this.seen.get(value)
    if (known !== undefined) return known
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
      this.binary = true
      this.seen.set(value, value)
      return value
    }
    const target =
      value instanceof Map
        ? new ReadonlyMap()
        : value instanceof Set
          ? new ReadonlySet()
          : value instanceof Date
            ? new ReadonlyDate(value.getTime())
            : value
    this.seen.set(value, target)
    this.toFreeze.push(target)
    if (!(value instanceof Date)) this.pending.push(value)
    return target
  }

  run(): void {
    const { pending } = this
    while (pending.length > 0) this.fill(pending.pop() as object)
    for (const target of this.toFreeze) Object.freeze(target)
  }

  private fill(source: object): void {
    const target = this.seen.get(source)
    if (source instanceof Map) {
      for (const [key, inner] of source) {
        Map.prototype.set.call(target, this.convert(key), this.convert(inner))
      }
      return
    }
    if (source instanceof Set) {
      for (const inner of source) Set.prototype.add.call(target, this.convert(inner))
      return
    }
    // Object.keys holds only the elements an array really has, however long it claims to be.
    const record = source as Record<string, unknown>
    for (const key of Object.keys(record)) {
      const inner = record[key]
      if (inner !== null && typeof inner === 'object') {
        const converted = this.convert(inner)
        // `key` is an own data property, so this sets it even when it is "__proto__".
        if (converted !== inner) record[key] = converted
      }
    }
  }
}

/**
 * A deep copy that keeps Buffer as Buffer, Map as Map and so on (structuredClone turns Buffer into
 * Uint8Array). Class instances keep their prototype; cycles are preserved; an own `"__proto__"` key
 * stays a plain data property of the copy; binary values own exactly their bytes.
 */
export function cloneDeep<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value
  const walk = new CloneWalk()
  const copy = walk.copy(value, 0)
  walk.run()
  return copy as T
}

/**
 * Nesting a clone fills by recursion (fast for the values caches hold); deeper objects wait on the
 * walk's list, so no depth can overflow the stack.
 */
const CLONE_RECURSION_LIMIT = 256

class CloneWalk {
  /** Each object met, and its copy. */
  private readonly seen = new Map<object, unknown>()
  /** Objects met deeper than {@link CLONE_RECURSION_LIMIT} whose copies are still to fill. */
  private readonly pending: object[] = []

  /** The copy of `value` at nesting `depth`, filled now or (when deep) by {@link run}. */
  copy(value: unknown, depth: number): unknown {
    if (value === null || typeof value !== 'object') return value
    const known = this.seen.get(value)
    if (known !== undefined) return known
    const leaf = leafCopy(value)
    if (leaf !== undefined) {
      this.seen.set(value, leaf)
      return leaf
    }
    const copy = emptyCopy(value)
    this.seen.set(value, copy)
    if (depth < CLONE_RECURSION_LIMIT) this.fill(value, depth + 1)
    else this.pending.push(value)
    return copy
  }

  run(): void {
    const { pending } = this
    while (pending.length > 0) this.fill(pending.pop() as object, 0)
  }

  private fill(source: object, depth: number): void {
    const copy = this.seen.get(source)
    if (source instanceof Map) {
      const map = copy as Map<unknown, unknown>
      for (const [key, inner] of source) map.set(this.copy(key, depth), this.copy(inner, depth))
      return
    }
    if (source instanceof Set) {
      for (const inner of source) (copy as Set<unknown>).add(this.copy(inner, depth))
      return
    }
    if (Array.isArray(source) && isIndexWalkable(source)) {
      const elements = copy as unknown[]
      for (let i = 0; i < source.length; i++) elements[i] = this.copy(source[i], depth)
      return
    }
    const record = source as Record<string, unknown>
    const target = copy as Record<string, unknown>
    for (const key of Object.keys(record)) setOwn(target, key, this.copy(record[key], depth))
  }
}

/** A copy of a value without members (binary data, Date, RegExp); undefined for anything else. */
function leafCopy(value: object): object | undefined {
  if (ArrayBuffer.isView(value)) return copyBinary(value)
  if (value instanceof ArrayBuffer) return value.slice(0)
  if (value instanceof Date) return new Date(value.getTime())
  if (value instanceof RegExp) return new RegExp(value.source, value.flags)
  return undefined
}

/** An empty copy of a value with members, of the same kind (and prototype), for `fill` to fill. */
function emptyCopy(value: object): object {
  if (value instanceof Map) return new Map()
  if (value instanceof Set) return new Set()
  if (Array.isArray(value)) return new Array(value.length)
  return Object.create(Object.getPrototypeOf(value))
}

/** `target[key] = value`, except that `"__proto__"` becomes an own property instead of the prototype. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true })
  } else {
    target[key] = value
  }
}
