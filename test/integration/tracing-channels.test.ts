import diagnostics from 'node:diagnostics_channel'
import { afterEach, expect, test } from 'vitest'
import type { LoadMessage, OperationMessage, TierMessage } from '../../src/channels.js'
import { fileRedis } from '../support/file-redis.js'

const redis = fileRedis()
const tiered = () => redis.tiered('tc')
const unsubscribes: (() => void)[] = []

afterEach(() => {
  for (const unsubscribe of unsubscribes.splice(0)) unsubscribe()
})

/** Subscribes to a tracing channel as a tracer does; returns the messages seen at `asyncEnd`. */
function listen<M extends object>(name: string): M[] {
  const ended: M[] = []
  const channel = diagnostics.tracingChannel<unknown, M>(name)
  const handlers = {
    start: () => undefined,
    end: () => undefined,
    asyncStart: () => undefined,
    asyncEnd: (message: M) => ended.push(message),
    error: () => undefined,
  }
  channel.subscribe(handlers)
  unsubscribes.push(() => channel.unsubscribe(handlers))
  return ended
}

test('a getOrLoad miss publishes the call, the loader run and each round trip, with documented payloads', async () => {
  const cache = await tiered()
  const calls = listen<OperationMessage>('tiercache:getOrLoad')
  const loads = listen<LoadMessage>('tiercache:load')
  const roundTrips = listen<TierMessage>('tiercache:tier')

  await cache.getOrLoad('user:1', async () => 'Ada')
  await cache.idle()
  expect(calls).toEqual([
    { operation: 'getOrLoad', namespace: 'tc', key: 'user:1', tiers: ['memory', 'redis'], result: 'Ada' },
  ])
  expect(loads).toEqual([{ key: 'user:1', result: 'Ada' }])
  const port = new URL(redis.server.url).port
  expect(roundTrips).toEqual([
    expect.objectContaining({ tier: 'redis', command: 'read', keyCount: 1, outcome: 'miss', hits: 0 }),
    expect.objectContaining({ tier: 'redis', command: 'write', keyCount: 1, outcome: 'written' }),
  ])
  expect(roundTrips.every((message) => message.serverAddress === `127.0.0.1:${port}`)).toBe(true)

  await cache.getOrLoad('user:1', async () => 'unused')
  expect(calls[1]).toMatchObject({ memoryHit: 'memory', result: 'Ada' })
  expect(roundTrips).toHaveLength(2) // a memory hit makes no round trip
})

test('other public operations have channels of their own; a rejected call carries its error', async () => {
  const cache = await tiered()
  const sets = listen<OperationMessage>('tiercache:set')
  const deletes = listen<OperationMessage>('tiercache:delete')
  const gets = listen<OperationMessage>('tiercache:getOrLoad')

  await cache.set('user:1', 'Ada')
  await cache.delete('user:1')
  await cache.getOrLoad('user:2', async () => Promise.reject(new Error('db down'))).catch(() => undefined)
  expect(sets).toEqual([expect.objectContaining({ operation: 'set', key: 'user:1' })])
  expect(deletes).toEqual([expect.objectContaining({ operation: 'delete', keys: ['user:1'] })])
  expect(gets[0]?.error).toBeInstanceOf(Error)
})

test('nothing is published to a channel whose start has no subscriber', async () => {
  const cache = await tiered()
  const published: unknown[] = []
  const onEnd = (message: unknown) => published.push(message)
  diagnostics.subscribe('tracing:tiercache:getOrLoad:asyncEnd', onEnd)
  unsubscribes.push(() => diagnostics.unsubscribe('tracing:tiercache:getOrLoad:asyncEnd', onEnd))

  await cache.getOrLoad('user:1', async () => 'Ada')
  expect(published).toEqual([])
})
