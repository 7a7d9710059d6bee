import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createClient } from 'redis'
import { afterAll, expect, test } from 'vitest'
import { startCli } from '../support/cli.js'
import { freePort } from '../support/redis-server.js'

const keptDirs: string[] = []
afterAll(() => {
  for (const dir of keptDirs) rmSync(dir, { recursive: true, force: true })
})

async function config(url: string, ...names: string[]): Promise<Record<string, string>> {
  const client = createClient({ url })
  client.on('error', () => undefined)
  await client.connect()
  try {
    const values: Record<string, string> = {}
    for (const name of names) Object.assign(values, await client.configGet(name))
    return values
  } finally {
    await client.close()
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

test('redis up --preset hot-warm starts both tiers as their roles need, and Ctrl-C stops them', async () => {
  const cli = startCli(['redis', 'up', '--preset', 'hot-warm'])
  await cli.waitFor(/Press Ctrl-C to stop them/)
  const servers = [
    ...cli.output().matchAll(/^(hot|warm)\s+(redis:\/\/\S+)\s+role \w+\s+pid (\d+)\s+files (\S+)/gm),
  ].map((m) => ({ name: m[1] as string, url: m[2] as string, pid: Number(m[3]), dir: m[4] as string }))
  expect(servers.map((server) => server.name)).toEqual(['hot', 'warm'])
  const [hot, warm] = servers as [(typeof servers)[0], (typeof servers)[0]]
  expect(cli.output()).toContain(`export REDIS_HOT_URL=${hot.url}`)
  expect(cli.output()).toContain(`export REDIS_WARM_URL=${warm.url}`)
  expect(await config(hot.url, 'maxmemory-policy', 'appendonly', 'save')).toEqual({
    'maxmemory-policy': 'allkeys-lfu',
    appendonly: 'no',
    save: '',
  })
  expect(await config(warm.url, 'maxmemory-policy', 'appendonly')).toEqual({
    'maxmemory-policy': 'volatile-lru',
    appendonly: 'yes',
  })

  cli.child.kill('SIGINT')
  const result = await cli.exited
  expect(result.code).toBe(0)
  expect(result.stdout).toMatch(/SIGINT: stopping hot, warm/)
  for (const server of servers) {
    expect(alive(server.pid)).toBe(false)
    expect(existsSync(server.dir)).toBe(false)
  }
  expect(existsSync(path.dirname(hot.dir))).toBe(false) // the temporary parent directory too
})

test('redis up --preset app-redis --port --dir uses that port and keeps the files', async () => {
  const port = await freePort()
  const dir = mkdtempSync(path.join(tmpdir(), 'tiercache-redis-up-test-'))
  keptDirs.push(dir)
  const cli = startCli(['redis', 'up', '--preset', 'app-redis', '--port', String(port), '--dir', dir])
  await cli.waitFor(/Press Ctrl-C/)
  expect(cli.output()).toContain(`export REDIS_URL=redis://127.0.0.1:${port}`)
  cli.child.kill('SIGTERM')
  expect((await cli.exited).code).toBe(0)
  expect(readdirSync(dir)).toEqual(['redis'])
})

test('redis up on a port in use fails and says so', async () => {
  const first = startCli(['redis', 'up', '--preset', 'app-redis'])
  try {
    const [, url] = (await first.waitFor(/export REDIS_URL=(\S+)/)) as unknown as [string, string]
    const port = new URL(url).port
    const second = await startCli(['redis', 'up', '--preset', 'app-redis', '--port', port]).exited
    expect(second.code).toBe(1)
    expect(second.stderr).toMatch(/port \d+ is already in use/)
  } finally {
    first.child.kill('SIGINT')
  }
  expect((await first.exited).code).toBe(0)
})

test('redis up notices a server that stops by itself, stops the others and exits 1', async () => {
  const cli = startCli(['redis', 'up', '--preset', 'hot-warm'])
  await cli.waitFor(/Press Ctrl-C/)
  const pids = [...cli.output().matchAll(/^(hot|warm)\s+\S+\s+role \w+\s+pid (\d+)/gm)].map((m) =>
    Number(m[2]),
  )
  process.kill(pids[0] as number, 'SIGKILL')
  const result = await cli.exited
  expect(result.code).toBe(1)
  expect(result.stderr).toMatch(/redis-server "hot" stopped by itself \(SIGKILL\); stopping the others/)
  expect(alive(pids[1] as number)).toBe(false)
})
