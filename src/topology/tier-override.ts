import type { Tier } from '../tiers/tier.js'

/**
 * A tier that behaves like `tier` except for the members in `overrides`. Everything else — including
 * its coordinator (the original's own object) and members outside the `Tier` interface that the cache
 * looks for by name (`keys()`, `audit()`) — is the original's, with methods bound to the original. A
 * Proxy rather than a wrapper class, so that no member is lost when tiers gain new ones.
 */
export function overrideTier<T extends Tier>(tier: T, overrides: Partial<Tier>): T {
  const bound = new Map<PropertyKey, unknown>()
  return new Proxy(tier, {
    get(target, property) {
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof Tier]
      const value = Reflect.get(target, property, target)
      if (typeof value !== 'function') return value
      let method = bound.get(property)
      if (method === undefined) {
        method = (value as (...args: unknown[]) => unknown).bind(target)
        bound.set(property, method)
      }
      return method
    },
  })
}
