import { loadKeySlot } from './redis-modules.js'

/**
 * The positions of `keys` grouped by Redis Cluster hash slot (CRC16 of the key or its `{hash tag}`,
 * as both clients compute it), each group in the original order. A multi-key command such as MGET
 * must name keys of one slot only, so a cluster read sends one per group.
 */
export function groupBySlot(keys: readonly (string | Buffer)[]): number[][] {
  const calculateSlot = loadKeySlot()
  const groups = new Map<number, number[]>()
  for (let i = 0; i < keys.length; i++) {
    const slot = calculateSlot(keys[i] as string | Buffer)
    const group = groups.get(slot)
    if (group) group.push(i)
    else groups.set(slot, [i])
  }
  return [...groups.values()]
}
