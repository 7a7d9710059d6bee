import { createClient } from '@redis/client'
import { redactUrl } from '../../redact.js'
import { fromNodeRedis, type NodeRedisLike, type RedisConnection } from '../../tiers/redis/connection.js'
import { CliError, errorMessage } from '../errors.js'

/**
 * Connects to `url` once, without retrying: a server that does not answer within `timeoutMs` is a
 * {@link CliError} naming the tier and the URL. Replies to bulk strings are Buffers.
 */
export async function connectOnce(
  url: string,
  what: string,
  timeoutMs = 2000,
): Promise<RedisConnection & { text(args: readonly string[]): Promise<string> }> {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: timeoutMs, reconnectStrategy: false },
  })
  client.on('error', () => undefined)
  try {
    await client.connect()
  } catch (error) {
    throw unreachable(url, what, error)
  }
  const connection = fromNodeRedis(client as unknown as NodeRedisLike, true)
  return {
    ...connection,
    async text(args) {
      const reply = await connection.send(args)
      return Buffer.isBuffer(reply) ? reply.toString('utf8') : String(reply)
    },
  }
}

/** A connected node-redis client that does not reconnect, for handing to `redisTier({ client })`. */
export async function connectClient(url: string, what: string, timeoutMs = 2000) {
  const client = createClient({ url, socket: { connectTimeout: timeoutMs, reconnectStrategy: false } })
  client.on('error', () => undefined)
  try {
    await client.connect()
  } catch (error) {
    throw unreachable(url, what, error)
  }
  return client
}

/** Names the tier and its URL, without the URL's password. */
function unreachable(url: string, what: string, error: unknown): CliError {
  return new CliError(
    `cannot reach ${what} at ${redactUrl(url)}: ${errorMessage(error) || 'connection failed'}`,
  )
}
