/**
 * The process behind bench/lib/link.ts: `link-process.ts <redis port> <delay ms>` starts the delay
 * proxy in front of 127.0.0.1:<redis port>, prints the port it listens on, and runs until killed.
 */
import { startDelayProxy } from '../../test/support/delay-proxy.js'

const [port, delay] = process.argv.slice(2).map(Number)
if (!Number.isInteger(port) || !Number.isFinite(delay)) {
  console.error('usage: link-process.ts <redis port> <delay ms>')
  process.exit(2)
}
const proxy = await startDelayProxy({ port: port as number }, delay as number)
console.log(proxy.port)
process.once('SIGTERM', () => {
  void proxy.close().finally(() => process.exit(0))
})
