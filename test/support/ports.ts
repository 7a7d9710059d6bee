import { portIsFree } from '../../src/cli/redis/local-server.js'

/**
 * Ports for the test's own servers, taken below the kernel's ephemeral range (32768 and up on Linux).
 *
 * Asking the kernel for port 0 and closing it again hands out a port from the ephemeral range: until
 * the redis-server binds it, any outgoing connection of any process may take it as its source port,
 * and a second request may get the same port back. A cluster node, which binds two ports, failed that
 * way. Ports below that range are never chosen for outgoing connections; each vitest worker takes its
 * own block of them, and this process never hands out a port twice.
 */
const FIRST_PORT = 20_000
const BLOCK_SIZE = 1_500
const BLOCKS = 8

const workerIndex = Number(process.env.VITEST_POOL_ID ?? process.pid) % BLOCKS
const blockStart = FIRST_PORT + workerIndex * BLOCK_SIZE
const handedOut = new Set<number>()
// A random start, so that consecutive test files in the same worker do not all begin on one port.
let next = Math.floor(Math.random() * BLOCK_SIZE)

/** A port on 127.0.0.1 that nothing listens on and that no other test in this run will be given. */
export async function freePort(): Promise<number> {
  for (let tried = 0; tried < BLOCK_SIZE; tried++) {
    const port = blockStart + (next++ % BLOCK_SIZE)
    if (handedOut.has(port)) continue
    if (await portIsFree(port)) {
      handedOut.add(port)
      return port
    }
  }
  throw new Error(`no free port left in ${blockStart}..${blockStart + BLOCK_SIZE - 1}`)
}
