import { context, SpanKind } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import {
  AggregationTemporality,
  type DataPoint,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest'
import { createCache, memoryTier, redisTier, type TierCache } from '../../src/index.js'
import { instrumentTiercache, type OtelInstrumentation } from '../../src/integrations/otel.js'
import { type RedisServer, startRedis } from '../support/redis-server.js'

let hot: RedisServer
let warm: RedisServer
let instrumentation: OtelInstrumentation
const spans = new InMemorySpanExporter()
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] })
const tracer = tracerProvider.getTracer('app')
const metricsOut = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
const metricReader = new PeriodicExportingMetricReader({
  exporter: metricsOut,
  exportIntervalMillis: 3_600_000,
})
const meterProvider = new MeterProvider({ readers: [metricReader] })
const caches: TierCache[] = []

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  ;[hot, warm] = await Promise.all([startRedis(), startRedis()])
  instrumentation = instrumentTiercache({ tracerProvider, meterProvider })
})
afterEach(async () => {
  await Promise.all(caches.splice(0).map((cache) => cache.close()))
  await Promise.all([hot.command('FLUSHALL'), warm.command('FLUSHALL')])
  spans.reset()
})
afterAll(async () => {
  instrumentation?.disable()
  context.disable()
  await Promise.all([hot?.stop(), warm?.stop(), meterProvider.shutdown(), tracerProvider.shutdown()])
})

/** memory → hot → warm, as an application builds it. */
async function stack(): Promise<TierCache> {
  const cache = createCache({
    namespace: 'shop',
    tiers: [
      memoryTier({ ttl: '1m' }),
      redisTier({ name: 'hot', url: hot.url, ttl: '10m' }),
      redisTier({ name: 'warm', url: warm.url, ttl: '1h' }),
    ],
  })
  caches.push(cache)
  await cache.ready()
  return cache
}

/** Runs `call` inside an application span, then returns the finished spans under it, by name. */
async function traced(call: () => Promise<unknown>, cache: TierCache) {
  spans.reset()
  await tracer.startActiveSpan('request', async (request) => {
    await call()
    request.end()
  })
  await cache.idle() // the fills after a load are background work, with spans of their own
  const finished = spans.getFinishedSpans()
  const request = finished.find((span) => span.name === 'request') as ReadableSpan
  const operation = finished.find((span) => span.name === 'tiercache.getOrLoad') as ReadableSpan
  const childrenOf = (parent: ReadableSpan) =>
    finished.filter((span) => span.parentSpanContext?.spanId === parent.spanContext().spanId)
  return { request, operation, children: childrenOf(operation), childrenOf }
}

test('a miss in every tier: a getOrLoad span under the caller, with a read per tier, the load and the fills', async () => {
  const cache = await stack()
  const { request, operation, children } = await traced(
    () => cache.getOrLoad('product:1', async () => ({ name: 'Lamp' })),
    cache,
  )

  expect(operation.parentSpanContext?.spanId).toBe(request.spanContext().spanId)
  expect(operation.attributes).toMatchObject({
    'tiercache.operation': 'getOrLoad',
    'tiercache.namespace': 'shop',
    'tiercache.outcome': 'miss',
  })
  expect(operation.attributes['tiercache.hit_tier']).toBeUndefined()
  expect(operation.attributes['tiercache.key']).toBeUndefined() // keys are not captured by default

  const reads = children.filter((span) => span.attributes['tiercache.command'] === 'read')
  expect(reads.map((span) => span.name).sort()).toEqual(['read hot', 'read warm'])
  for (const read of reads) {
    expect(read.kind).toBe(SpanKind.CLIENT)
    expect(read.attributes).toMatchObject({
      'db.system': 'redis',
      'server.address': '127.0.0.1',
      'tiercache.key_count': 1,
      'tiercache.outcome': 'miss',
    })
    const server = read.attributes['tiercache.tier'] === 'hot' ? hot : warm
    expect(read.attributes['server.port']).toBe(Number(new URL(server.url).port))
  }
  const load = children.find((span) => span.name === 'tiercache.load')
  expect(load?.attributes['tiercache.outcome']).toBe('ok')
  const writes = children.filter((span) => span.attributes['tiercache.command'] === 'write')
  expect(writes.map((span) => [span.name, span.attributes['tiercache.outcome']]).sort()).toEqual([
    ['write hot', 'written'],
    ['write warm', 'written'],
  ])
})

test('a hit in memory: the outcome and tier on the span, and no round trip under it', async () => {
  const cache = await stack()
  await cache.getOrLoad('product:1', async () => ({ name: 'Lamp' }))
  await cache.idle()

  const { operation, children } = await traced(
    () => cache.getOrLoad('product:1', async () => 'unused'),
    cache,
  )
  expect(operation.attributes).toMatchObject({ 'tiercache.outcome': 'hit', 'tiercache.hit_tier': 'memory' })
  expect(children).toEqual([])
})

test('a memory miss and a hot hit: the hot read under the call, and hot as the hit tier', async () => {
  const writer = await stack()
  await writer.getOrLoad('product:1', async () => ({ name: 'Lamp' }))
  await writer.idle()
  const reader = await stack() // another process: its memory is empty, the Redis tiers are shared

  const { operation, children } = await traced(
    () => reader.getOrLoad('product:1', async () => 'unused'),
    reader,
  )
  expect(operation.attributes).toMatchObject({ 'tiercache.outcome': 'hit', 'tiercache.hit_tier': 'hot' })
  const hotRead = children.find((span) => span.name === 'read hot')
  expect(hotRead?.attributes).toMatchObject({ 'tiercache.outcome': 'hit', 'tiercache.hits': 1 })
  expect(children.find((span) => span.name === 'tiercache.load')).toBeUndefined()
})

test('a failing loader: error status on the load and the call', async () => {
  const cache = await stack()
  const { operation, children } = await traced(
    () =>
      cache.getOrLoad('product:2', async () => Promise.reject(new Error('db down'))).catch(() => undefined),
    cache,
  )
  expect(operation.attributes['tiercache.outcome']).toBe('error')
  expect(operation.status.code).toBe(2) // SpanStatusCode.ERROR
  expect(children.find((span) => span.name === 'tiercache.load')?.attributes['tiercache.outcome']).toBe(
    'error',
  )
})

test('metrics: hits per tier, misses, loads and a per-tier latency histogram', async () => {
  const writer = await stack()
  await writer.getOrLoad('product:3', async () => 'x') // miss + load
  await writer.idle()
  await writer.getOrLoad('product:3', async () => 'x') // memory hit
  const reader = await stack()
  await reader.getOrLoad('product:3', async () => 'x') // hot hit

  await metricReader.forceFlush()
  const points = (name: string) =>
    metricsOut
      .getMetrics()
      .at(-1)
      ?.scopeMetrics.flatMap((scope) => scope.metrics)
      .find((metric) => metric.descriptor.name === name)?.dataPoints as DataPoint<unknown>[] | undefined
  const count = (name: string, attributes: Record<string, string>) =>
    (points(name) ?? [])
      .filter((point) => Object.entries(attributes).every(([k, v]) => point.attributes[k] === v))
      .reduce((sum, point) => sum + (point.value as number), 0)

  expect(count('tiercache.hits', { 'tiercache.hit_tier': 'memory' })).toBeGreaterThanOrEqual(1)
  expect(count('tiercache.hits', { 'tiercache.hit_tier': 'hot' })).toBeGreaterThanOrEqual(1)
  expect(count('tiercache.misses', { 'tiercache.operation': 'getOrLoad' })).toBeGreaterThanOrEqual(1)
  expect(count('tiercache.loads', { 'tiercache.outcome': 'ok' })).toBeGreaterThanOrEqual(1)
  const tierLatency = points('tiercache.tier.duration') ?? []
  expect(tierLatency.map((point) => point.attributes['tiercache.tier'])).toEqual(
    expect.arrayContaining(['hot', 'warm']),
  )
  expect(tierLatency.every((point) => (point.value as { count: number }).count > 0)).toBe(true)
})
