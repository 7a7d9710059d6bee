import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { freePort } from '../support/ports.js'

/**
 * The ports tests give their redis-servers. A port from the kernel's ephemeral range can be taken by
 * any outgoing connection before the server binds it (a cluster node failed to start that way), so
 * these ports must come from below that range, and never twice.
 */
describe('test ports', () => {
  it('are distinct, listenable and below the ephemeral range', async () => {
    const firstEphemeral = firstEphemeralPort()
    const ports: number[] = []
    for (let i = 0; i < 300; i++) ports.push(await freePort())
    expect(new Set(ports).size).toBe(ports.length)
    expect(Math.max(...ports)).toBeLessThan(firstEphemeral)
  })
})

/** Linux says where its range starts; elsewhere the IANA range (49152 and up) is the usual one. */
function firstEphemeralPort(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
  } catch {
    return 49_152
  }
}
