import { Redis } from 'ioredis'
import { decodeEntry } from '../../src/codec/entry-codec.js'
import { builtInSerializers } from '../../src/codec/serializer.js'
import type { Entry } from '../../src/entries/types.js'
import type { GeoServer } from './geo-hierarchy.js'

const serializers = new Map(builtInSerializers.map((serializer) => [serializer.id, serializer]))

/** The key prefix a level's server stores a namespace under. */
export function levelKey(server: GeoServer, namespace: string, key: string): string {
  const prefix = server.level === 'global' ? 'global:' : `${server.level}@${server.name}:`
  return `${prefix}${namespace}:${key}`
}

/** The entry a level's server holds for `key` (read directly, not through the proxy), and its PTTL. */
export async function storedEntry(
  server: GeoServer,
  namespace: string,
  key: string,
): Promise<{ entry: Entry; pttl: number } | undefined> {
  const client = new Redis({ port: server.redis.port, host: '127.0.0.1', lazyConnect: true })
  client.on('error', () => undefined)
  try {
    await client.connect()
    const redisKey = levelKey(server, namespace, key)
    const [bytes, pttl] = await Promise.all([client.getBuffer(redisKey), client.pttl(redisKey)])
    if (bytes === null) return undefined
    const decoded = decodeEntry(bytes, serializers)
    if (!decoded.ok) throw new Error(`undecodable entry at ${redisKey}: ${decoded.reason}`)
    return { entry: decoded.entry, pttl }
  } finally {
    client.disconnect()
  }
}

/** How many keys of `namespace` a level's server holds. */
export async function countKeys(server: GeoServer, namespace: string): Promise<number> {
  const keys = (await server.redis.command('KEYS', `${levelKey(server, namespace, '')}*`)) as string[]
  return keys.length
}
