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
  throw new TypeError('cannot modify a value held by the cache; copy it first (or use protection: "none")')
}

export class ReadonlyMap<K, V> extends Map<K, V> {
  constructor(source: Map<K, V>, convert: (value: unknown) => unknown) {
    super()
    for (const [key, value] of source) Map.prototype.set.call(this, convert(key), convert(value))
  }
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
  constructor(source: Set<T>, convert: (value: unknown) => unknown) {
    super()
    for (const value of source) Set.prototype.add.call(this, convert(value))
  }
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

/**
 * Freezes `value` in place (it must be a copy the cache owns). Returns the value to store, which
 * differs from `value` only when the root itself is a Map, Set or Date.
 */
export function freezeOwned(value: unknown): Protected {
  const state = { binary: false, seen: new Map<object, unknown>() }
  const stored = freezeDeep(value, state)
  return { value: stored, cloneOnRead: state.binary }
}

interface FreezeState {
  binary: boolean
  seen: Map<object, unknown>
}

function freezeDeep(value: unknown, state: FreezeState): unknown {
  if (value === null || typeof value !== 'object') return value
  const known = state.seen.get(value)
  if (known !== undefined) return known
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    state.binary = true
    state.seen.set(value, value)
    return value
  }
  const convert = (inner: unknown) => freezeDeep(inner, state)
  if (value instanceof Map) {
    const frozen = new ReadonlyMap(value, convert)
    state.seen.set(value, frozen)
    return Object.freeze(frozen)
  }
  if (value instanceof Set) {
    const frozen = new ReadonlySet(value, convert)
    state.seen.set(value, frozen)
    return Object.freeze(frozen)
  }
  if (value instanceof Date) {
    const frozen = new ReadonlyDate(value.getTime())
    state.seen.set(value, frozen)
    return Object.freeze(frozen)
  }
  state.seen.set(value, value)
  const record = value as Record<string, unknown>
  for (const key of Object.keys(record)) {
    const inner = record[key]
    if (inner !== null && typeof inner === 'object') {
      const converted = freezeDeep(inner, state)
      if (converted !== inner) record[key] = converted
    }
  }
  return Object.freeze(value)
}

/**
 * A deep copy that keeps Buffer as Buffer, Map as Map and so on (structuredClone turns Buffer into
 * Uint8Array). Class instances keep their prototype; cycles are preserved.
 */
export function cloneDeep<T>(value: T): T {
  return cloneInner(value, new Map()) as T
}

function cloneInner(value: unknown, seen: Map<object, unknown>): unknown {
  if (value === null || typeof value !== 'object') return value
  const known = seen.get(value)
  if (known !== undefined) return known
  if (Buffer.isBuffer(value)) return remember(seen, value, Buffer.from(value))
  if (ArrayBuffer.isView(value)) {
    const view = value as unknown as { slice(): unknown }
    return remember(seen, value, typeof view.slice === 'function' ? view.slice() : value)
  }
  if (value instanceof ArrayBuffer) return remember(seen, value, value.slice(0))
  if (value instanceof Date) return remember(seen, value, new Date(value.getTime()))
  if (value instanceof RegExp) return remember(seen, value, new RegExp(value.source, value.flags))
  if (value instanceof Map) {
    const copy = new Map()
    seen.set(value, copy)
    for (const [k, v] of value) copy.set(cloneInner(k, seen), cloneInner(v, seen))
    return copy
  }
  if (value instanceof Set) {
    const copy = new Set()
    seen.set(value, copy)
    for (const v of value) copy.add(cloneInner(v, seen))
    return copy
  }
  if (Array.isArray(value)) {
    const copy: unknown[] = new Array(value.length)
    seen.set(value, copy)
    for (let i = 0; i < value.length; i++) copy[i] = cloneInner(value[i], seen)
    return copy
  }
  const copy = Object.create(Object.getPrototypeOf(value)) as Record<string, unknown>
  seen.set(value, copy)
  for (const key of Object.keys(value)) copy[key] = cloneInner((value as Record<string, unknown>)[key], seen)
  return copy
}

function remember(seen: Map<object, unknown>, original: object, copy: unknown): unknown {
  seen.set(original, copy)
  return copy
}
