/**
 * Where a Redis tier keeps each kind of key, for one prefix and namespace.
 *
 * A single server uses the layout tiercache always had. A cluster must keep the keys of every Lua
 * script in one hash slot, so it wraps part of some keys in a hash tag (`{…}`, only that part is
 * hashed):
 *
 * | key            | single server              | cluster                      |
 * | -------------- | -------------------------- | ---------------------------- |
 * | entry          | `<p><ns>:<key>`            | `<p><ns>:<key>` (spread)     |
 * | version clock  | `<p><ns>#clock`            | `<p>{<ns>}#clock`            |
 * | tag version    | `<p><ns>#tag:<tag>`        | `<p>{<ns>}#tag:<tag>`        |
 * | load lease     | `<p><ns>#lease:<key>`      | `<p>{<ns>:<key>}#lease`      |
 * | awaited mark   | `<p><ns>#awaited:<key>`    | `<p>{<ns>:<key>}#awaited`    |
 *
 * In a cluster the clock and every tag version share the namespace's slot: versions must come from
 * one clock to be comparable, and `invalidateTags` issues one and stores it under every tag in one
 * atomic script. A key's lease and its awaited mark share the key's own slot. Entries carry no hash
 * tag, so they spread over all masters. The prefix must not contain braces (checked by redisTier),
 * so the first `{` is always ours and the tag it opens is never empty.
 *
 * The layout is injective: a prefix ends with its only `:` (checked by redisTier, see
 * `assertValidPrefix` in keys.ts) and a namespace has no `:`, `#` or braces, so a Redis key reads
 * back as the prefix up to the first `:`, then the namespace up to the next `:`, `#` or `}`, then the
 * key; no two (prefix, namespace, key) triples share a Redis key.
 */
export interface KeyLayout {
  readonly topology: 'standalone' | 'cluster'
  /** `<prefix><namespace>:`: every entry key starts with it. */
  readonly entryPrefix: string
  entry(key: string): string
  readonly clock: string
  tag(tag: string): string
  lease(key: string): string
  awaited(key: string): string
}

export function keyLayout(prefix: string, namespace: string, topology: 'standalone' | 'cluster'): KeyLayout {
  return topology === 'cluster' ? clusterLayout(prefix, namespace) : standaloneLayout(`${prefix}${namespace}`)
}

function standaloneLayout(base: string): KeyLayout {
  const entryPrefix = `${base}:`
  return {
    topology: 'standalone',
    entryPrefix,
    entry: (key) => entryPrefix + key,
    clock: `${base}#clock`,
    tag: (tag) => `${base}#tag:${tag}`,
    lease: (key) => `${base}#lease:${key}`,
    awaited: (key) => `${base}#awaited:${key}`,
  }
}

function clusterLayout(prefix: string, namespace: string): KeyLayout {
  const entryPrefix = `${prefix}${namespace}:`
  const coordinator = `${prefix}{${namespace}}`
  return {
    topology: 'cluster',
    entryPrefix,
    entry: (key) => entryPrefix + key,
    clock: `${coordinator}#clock`,
    tag: (tag) => `${coordinator}#tag:${tag}`,
    lease: (key) => `${prefix}{${namespace}:${key}}#lease`,
    awaited: (key) => `${prefix}{${namespace}:${key}}#awaited`,
  }
}
