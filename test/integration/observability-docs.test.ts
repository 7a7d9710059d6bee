import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, expect, test, vi } from 'vitest'
import { type RedisServer, startRedis } from '../support/redis-server.js'

/** Every docs/observability.md block marked `<!-- example: name -->` must run as written (against a private Redis). */
const page = readFileSync(new URL('../../docs/observability.md', import.meta.url), 'utf8')
const examples = [...page.matchAll(/<!-- example: ([\w-]+) -->\s*```ts\n([\s\S]*?)```/g)].map((m) => ({
  name: m[1] as string,
  code: m[2] as string,
}))
const directory = path.join(path.dirname(new URL(import.meta.url).pathname), '..', '.examples')

let redis: RedisServer
beforeAll(async () => {
  redis = await startRedis()
  process.env.REDIS_URL = redis.url
  mkdirSync(directory, { recursive: true })
})
afterAll(async () => {
  await redis?.stop()
})

test('the page has its runnable examples', () => {
  expect(examples.map((example) => example.name)).toEqual(['tracing-channels', 'opentelemetry', 'events'])
})

test.each(examples)(
  'docs/observability.md example "$name" prints what its comments say',
  async ({ name, code }) => {
    const file = path.join(directory, `observability-${name}.ts`)
    writeFileSync(file, `${code}\nexport {}\n`)
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined)
    try {
      await import(file)
      const printed = log.mock.calls.map((call) => call.join(' ').trimEnd())
      if (name === 'opentelemetry') {
        // Siblings come out in the order their spans ended.
        expect(printed.slice(0, 2)).toEqual(['GET /products/1', '  tiercache.getOrLoad miss'])
        expect(new Set(printed.slice(2))).toEqual(
          new Set(['    read hot miss', '    tiercache.load ok', '    write hot written']),
        )
      } else if (name === 'events') {
        expect(printed).toEqual(['first set: product:1', 'hit product:1 in memory', 'miss product:2'])
      } else {
        expect(printed).toEqual([
          expect.stringMatching(/^ {2}read redis miss in [\d.]+ ms$/),
          expect.stringMatching(/^getOrLoad product:1 \(memory hit: no\) in [\d.]+ ms$/),
          expect.stringMatching(/^ {2}write redis written in [\d.]+ ms$/),
          expect.stringMatching(/^getOrLoad product:1 \(memory hit: memory\) in [\d.]+ ms$/),
        ])
      }
    } finally {
      log.mockRestore()
    }
  },
)
