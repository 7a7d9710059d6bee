import Fastify, { type FastifyInstance } from 'fastify'
import type pg from 'pg'
import type { Registry } from 'prom-client'
import type { CacheOptions } from 'tiercache'
import { tiercachePlugin } from 'tiercache/fastify'
import { productQueries } from './database.js'

export interface AppOptions {
  db: pg.Pool
  /** The cache the app registers (tiercache/fastify): `app.cache`, closed with the app. */
  cache: CacheOptions
  /** Where GET /metrics reads from. */
  registry: Registry
  /** Sent as the x-instance header, to see which instance answered. */
  instance: string
}

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'integer', minimum: 1, maximum: 2_147_483_647 } },
} as const

const productChanges = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    price_cents: { type: 'integer', minimum: 0, maximum: 2_147_483_647 },
    description: { type: 'string', maxLength: 10_000 },
    category: { type: 'integer', minimum: 0, maximum: 2_147_483_647 },
  },
} as const

/**
 * The seed's product page flow (section 10) as a service: product pages and category listings read
 * through memory → hot → warm → PostgreSQL; an update writes the database first, then invalidates the
 * product and the listings it appears in, in every instance.
 */
export async function buildApp({
  db,
  cache: options,
  registry,
  instance,
}: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false })
  await app.register(tiercachePlugin, { options, metrics: { registry, labels: { replica: instance } } })
  const { cache } = app
  const queries = productQueries(db)
  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-instance', instance)
  })

  app.get<{ Params: { id: number } }>(
    '/products/:id',
    { schema: { params: idParams } },
    async (request, reply) => {
      const { id } = request.params
      const product = await cache.getOrLoad(`product:${id}`, () => queries.product(id))
      if (product === null) return reply.code(404).send({ error: `no product ${id}` })
      return product
    },
  )

  app.get<{ Params: { id: number } }>(
    '/categories/:id/products',
    { schema: { params: idParams } },
    async (request) => {
      const { id } = request.params
      // A related cache: tagged with the category, so an update of any product in it invalidates it.
      return cache.getOrLoad(`category:${id}:products`, () => queries.categoryListing(id), {
        tags: [`category:${id}`],
      })
    },
  )

  app.put<{ Params: { id: number }; Body: Parameters<typeof queries.update>[1] }>(
    '/products/:id',
    { schema: { params: idParams, body: productChanges } },
    async (request, reply) => {
      const { id } = request.params
      const updated = await queries.update(id, request.body) // the database first …
      if (!updated) return reply.code(404).send({ error: `no product ${id}` })
      const { product, previousCategory } = updated
      await cache.delete(`product:${id}`) // … then every tier and every instance
      await cache.invalidateTags([
        ...new Set([`category:${previousCategory}`, `category:${product.category}`]),
      ])
      return product
    },
  )

  app.get('/health', async () => ({ ok: true, instance, synced: cache.stats().synced }))
  return app
}
