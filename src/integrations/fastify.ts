/** @module tiercache/fastify */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
// The package's own entry, not its source files: the subpath module then shares the one copy of the
// library a program loads (one TierCache class, one set of error classes) instead of bundling another.
import { type CacheOptions, createCache, InvalidOptionError, type TierCache } from 'tiercache'
import { type PrometheusOptions, type PrometheusRegistry, prometheusMetrics } from 'tiercache/prometheus'

/** A prom-client `Registry` as the metrics route reads it. */
export interface MetricsRegistry extends PrometheusRegistry {
  readonly contentType: string
  metrics(): Promise<string>
}

/** Options of the {@link tiercachePlugin}. Give `cache` or `options`. */
export interface TiercachePluginOptions {
  /** A cache made elsewhere; the plugin closes it when Fastify closes unless `close` is false. */
  cache?: TierCache
  /** Options to make the cache with; `logger` defaults to Fastify's logger (`app.log`) when Fastify logs. */
  options?: CacheOptions
  /** Close the cache in Fastify's `onClose` hook. Default true. */
  close?: boolean
  /**
   * Serve the cache's Prometheus metrics from `registry` at `path` (default `/metrics`); the other
   * fields are {@link prometheusMetrics}'s options.
   */
  metrics?: Omit<PrometheusOptions, 'registry'> & { registry: MetricsRegistry; path?: string }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The tiercache cache registered by `tiercache/fastify`. */
    cache: TierCache
  }
}

/**
 * Registers a cache with a Fastify application: `app.cache` everywhere (the plugin does not
 * encapsulate), Fastify's logger as the cache's logger, the cache closed with the application, and
 * optionally a metrics route.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import { memoryTier, redisTier } from 'tiercache'
 * import { tiercachePlugin } from 'tiercache/fastify'
 *
 * const app = Fastify({ logger: true })
 * await app.register(tiercachePlugin, {
 *   options: { namespace: 'shop', tiers: [memoryTier(), redisTier({ url: process.env.REDIS_URL })] },
 * })
 * app.get('/products/:id', (request) => app.cache.getOrLoad(`product:${request.params.id}`, loadProduct))
 * ```
 */
export const tiercachePlugin: FastifyPluginAsync<TiercachePluginOptions> = async (app, settings) => {
  const cache = cacheFor(app, settings)
  app.decorate('cache', cache)
  if (settings.metrics !== undefined) serveMetrics(app, cache, settings.metrics)
  if (settings.close !== false) app.addHook('onClose', () => cache.close())
}

// The conventions fastify-plugin sets, written out to spare the library a dependency: skip Fastify's
// encapsulation so `app.cache` reaches the whole application, and name the plugin in its errors.
Object.assign(tiercachePlugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'tiercache',
  [Symbol.for('plugin-meta')]: { name: 'tiercache', fastify: '>=4' },
})

function cacheFor(app: FastifyInstance, settings: TiercachePluginOptions): TierCache {
  const { cache, options } = settings ?? {}
  if ((cache === undefined) === (options === undefined))
    throw new InvalidOptionError('tiercachePlugin needs exactly one of { cache } or { options }')
  return cache ?? createCache({ ...fastifyLogger(app), ...(options as CacheOptions) })
}

/**
 * Fastify's logger when it logs: with `logger: false` (or level 'silent') Fastify's logger drops every
 * line, so the cache keeps its own default instead, a process warning when a tier is unreachable.
 */
function fastifyLogger(app: FastifyInstance): { logger?: FastifyInstance['log'] } {
  const level = (app.log as { level?: string }).level
  return level === undefined || level === 'silent' ? {} : { logger: app.log }
}

function serveMetrics(
  app: FastifyInstance,
  cache: TierCache,
  { path = '/metrics', ...options }: NonNullable<TiercachePluginOptions['metrics']>,
): void {
  const { registry } = options
  const metrics = prometheusMetrics(cache, options)
  app.addHook('onClose', async () => metrics.stop())
  app.get(path, async (_request, reply) => {
    reply.type(registry.contentType)
    return registry.metrics()
  })
}
