import type { IoredisLike, RedisArgument } from './connection.js'

/** The structural slice of a node-redis cluster (`createCluster`) we use. */
export interface NodeRedisClusterLike {
  readonly isReady: boolean
  readonly isOpen: boolean
  readonly masters: readonly unknown[]
  sendCommand(
    firstKey: RedisArgument | undefined,
    isReadonly: boolean | undefined,
    args: readonly RedisArgument[],
    options?: object,
  ): Promise<unknown>
  nodeClient(node: never): Promise<unknown>
  on(event: string, listener: (...args: unknown[]) => void): unknown
  off(event: string, listener: (...args: unknown[]) => void): unknown
  close?(): Promise<unknown>
  destroy?(): unknown
  connect?(): Promise<unknown>
  duplicate?(overrides?: object): NodeRedisClusterLike
  sSubscribe?(channel: string, listener: (message: Buffer) => void, bufferMode: true): Promise<unknown>
  subscribe?(channel: string, listener: (message: Buffer) => void, bufferMode: true): Promise<unknown>
}

/** The structural slice of an ioredis `Cluster` we use. */
export interface IoredisClusterLike extends IoredisLike {
  readonly isCluster: true
  nodes(role: 'master'): IoredisLike[]
  ssubscribe?(...channels: string[]): Promise<unknown>
}
