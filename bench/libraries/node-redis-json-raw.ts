import { createClient } from 'redis'
import { installedVersion, type LibrarySubject, library, type SubjectFactory } from './common.js'

/**
 * Not a cache: a bare node-redis `GET` of a JSON string followed by `JSON.parse`. Every cache has to
 * decode what it reads from Redis, so this is the fair floor for a Redis hit, where the plain `GET` row
 * (value left as a string) is the ceiling of the connection. Same client options as that row
 * (per-command timeout off).
 */
export const nodeRedisJsonRawSubject: SubjectFactory = library(
  'node-redis GET + JSON.parse (raw)',
  async ({ env, dataset, scope }) => {
    const client = createClient({ url: env.redisUrl, commandOptions: { timeout: 0 } })
    client.on('error', () => undefined)
    await client.connect()
    const prefix = `${scope}-raw-json:`
    await Promise.all(dataset.keys.map((key) => client.set(prefix + key, JSON.stringify(dataset.load(key)))))
    const subject: LibrarySubject = {
      kind: 'baseline',
      version: installedVersion('redis'),
      config: 'createClient({ commandOptions: { timeout: 0 } }), JSON.parse(await client.get(key))',
      op: async (key: string) => {
        const text = await client.get(prefix + key)
        return text === null ? undefined : JSON.parse(text)
      },
      async close() {
        await client.close()
      },
    }
    return subject
  },
)
