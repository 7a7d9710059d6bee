import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { type LocalRedis, startLocalRedis } from '../../src/cli/redis/local-server.js'
import { freePort, type RedisServer, startRedis } from '../support/redis-server.js'

const parentDir = mkdtempSync(path.join(tmpdir(), 'tiercache-local-redis-'))
const stops: (() => Promise<void>)[] = []
afterAll(async () => {
  await Promise.all(stops.map((stop) => stop()))
  rmSync(parentDir, { recursive: true, force: true })
})

/**
 * The CLI picks a free port and hands it to redis-server, which binds it a moment later: meanwhile
 * another process may take it. A picked port found taken must lead to another, never to the server
 * that took it.
 */
test('a picked port taken by another Redis before ours binds it: the next port is used, not that server', async () => {
  const squatter: RedisServer = await startRedis()
  stops.push(() => squatter.stop())
  const picked: number[] = []
  const nextFree = await freePort()
  const pickPort = async () => {
    picked.push(picked.length === 0 ? squatter.port : nextFree)
    return picked.at(-1) as number
  }

  const local: LocalRedis = await startLocalRedis('hot', [], { parentDir, pickPort })
  stops.push(() => local.stop())

  expect(picked).toEqual([squatter.port, nextFree])
  expect(local.port).toBe(nextFree)
  expect(await squatter.command('CONFIG', 'GET', 'dir')).not.toContain(path.join(parentDir, 'hot'))
})
