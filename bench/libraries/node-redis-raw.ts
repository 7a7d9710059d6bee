import { createClient } from 'redis'
import { installedVersion, type LibrarySubject, library, type SubjectFactory } from './common.js'

/**
 * Not a cache: a bare node-redis `GET` of a JSON string, no decoding, nothing around it. The ceiling a
 * Redis-backed cache on the same client and connection count could reach.
 *
 * The client turns off node-redis 6's default 5 s per-command timeout (`commandOptions: { timeout: 0 }`),
 * which allocates an AbortSignal per command and costs a large share of throughput: it is what
 * tiercache's own adapter does, and it makes the baseline the best raw figure, not a handicapped one.
 */
export const nodeRedisRawSubject: SubjectFactory = library(
  'node-redis GET (raw)',
  async ({ env, dataset, scope }) => {
    const client = createClient({ url: env.redisUrl, commandOptions: { timeout: 0 } })
    client.on('error', () => undefined)
    await client.connect()
    const prefix = `${scope}-raw:`
    await Promise.all(dataset.keys.map((key) => client.set(prefix + key, JSON.stringify(dataset.load(key)))))
    const subject: LibrarySubject = {
      kind: 'baseline',
      version: installedVersion('redis'),
      config:
        'createClient({ commandOptions: { timeout: 0 } }), client.get(key), value left as a JSON string',
      op: (key: string) => client.get(prefix + key),
      async close() {
        await client.close()
      },
    }
    return subject
  },
)
