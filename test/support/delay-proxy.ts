import net from 'node:net'

/** A TCP proxy that delays every chunk, both ways, by `delayMs`: network distance on one machine. */
export interface DelayProxy {
  readonly port: number
  readonly url: string
  /** The delay each chunk gets, in each direction (so a round trip costs twice this). */
  readonly delayMs: number
  /** Changes the delay for chunks arriving from now on; order is kept across the change. */
  setDelay(delayMs: number): void
  /** Stops listening and drops every connection. */
  close(): Promise<void>
}

/**
 * Starts a proxy on a free port of 127.0.0.1 forwarding to `target`. Each direction of each connection
 * has a queue: a chunk is written `delayMs` after it arrived, never before a chunk that arrived earlier
 * (so lowering the delay cannot reorder bytes). Node timers cannot wait less than 1 ms; delays below
 * 1 ms are forwarded on the next turn of the event loop instead.
 */
export async function startDelayProxy(
  target: { host?: string; port: number },
  delayMs: number,
): Promise<DelayProxy> {
  let delay = delayMs
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host ?? '127.0.0.1')
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.setNoDelay(true)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
    }
    forward(client, upstream, () => delay)
    forward(upstream, client, () => delay)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as net.AddressInfo
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get delayMs() {
      return delay
    },
    setDelay(next) {
      delay = next
    },
    close() {
      for (const socket of sockets) socket.destroy()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}

/** Forwards `from` → `to`, each chunk `delay()` ms after it arrived, in arrival order. */
function forward(from: net.Socket, to: net.Socket, delay: () => number): void {
  const queue: { due: number; chunk: Buffer }[] = []
  let timer: NodeJS.Timeout | NodeJS.Immediate | undefined
  const flush = () => {
    timer = undefined
    const now = performance.now()
    while (queue.length > 0 && (queue[0] as { due: number }).due <= now) {
      const { chunk } = queue.shift() as { chunk: Buffer }
      if (!to.destroyed) to.write(chunk)
    }
    schedule()
  }
  const schedule = () => {
    if (timer !== undefined || queue.length === 0) return
    const wait = (queue[0] as { due: number }).due - performance.now()
    timer = wait < 1 ? setImmediate(flush) : setTimeout(flush, wait)
  }
  from.on('data', (chunk: Buffer) => {
    // Never due before the chunk ahead of it, even if the delay was lowered meanwhile.
    const last = queue.at(-1)?.due ?? 0
    queue.push({ due: Math.max(performance.now() + delay(), last), chunk })
    schedule()
  })
  from.on('end', () => {
    const finish = () => (queue.length === 0 ? to.end() : setTimeout(finish, 1))
    finish()
  })
}
