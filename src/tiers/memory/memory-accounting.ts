import type { Entry } from '../../entry.js'
import type { EvictionPolicyFactory } from './eviction-policy.js'
import { estimateHeapBytes, HEAP_NUMBER, stringBytes, WORD } from './heap-size.js'
import { clockPolicy } from './policies/clock.js'
import { lfuPolicy } from './policies/lfu.js'
import { lruPolicy } from './policies/lru.js'
import { s3FifoPolicy } from './policies/s3-fifo.js'
import { wTinyLfuPolicy } from './policies/w-tinylfu.js'

/*
 * What one memory-tier entry costs on the heap, so that `maxBytes` bounds the memory the tier really
 * uses (issue 6: a fixed 200 bytes per entry plus the serialized size let the heap grow to nearly twice
 * the bound on small entries). An entry is:
 *
 *   the key string + the value (estimated, see heap-size.ts) + the tier's record + the entry envelope
 *   + the settled promise hits return + the policy's own index and node for the key.
 *
 * The fixed parts follow V8's layout; the policy parts were measured with `npm run measure:memory`
 * (1,000,000 entries; see README, "Memory tier: what an entry costs") and include the Map slot and
 * the slack of structures that grow in steps.
 */

/**
 * MemoryRecord: header and 8 fields (one of them the policy's slot), with `expiresAt` (epoch ms) boxed
 * as a double; `plainUntil` is a small integer (seconds, see clock.ts) kept in the record itself.
 */
const RECORD_BYTES = 11 * WORD + HEAP_NUMBER
/** Entry: header and 7 fields; version (µs), createdAt, freshUntil and staleUntil are boxed doubles. */
const ENVELOPE_BYTES = 10 * WORD + 4 * HEAP_NUMBER
/** The settled promise a hit returns: header, result and flags. */
const SETTLED_BYTES = 5 * WORD

/**
 * Measured bytes per entry of each built-in policy's structures (Map slot, node or slots, sketch;
 * for W-TinyLFU also the ghost keys it keeps once it evicts), in the state a byte bound is about: full
 * and evicting. V8 grows a Map's table in doublings that churn can trigger early, so the Map share
 * varies with how many entries the bound holds (README: "Memory tier: what an entry costs").
 */
const POLICY_ENTRY_BYTES = new Map<EvictionPolicyFactory, number>([
  // Its Map and keys, and its typed arrays (sizes and links, grown by half: outside the JS heap, and
  // not counted until the measurement counted array buffers too).
  [lruPolicy, 80],
  // The LRU's structures and one reference byte per slot.
  [clockPolicy, 81],
  // The LRU's structures, six more bytes per slot (read count, queue, hash), and the ghost queue: 12
  // bytes a slot, 1.8 to 3.6 slots per entry held (a power of two); the middle of that range.
  [s3FifoPolicy, 114],
  [lfuPolicy, 112],
  [wTinyLfuPolicy, 158],
])
/** For policies of your own: the largest built-in figure, so the bound errs on the safe side. */
const DEFAULT_POLICY_ENTRY_BYTES = Math.max(...POLICY_ENTRY_BYTES.values())

/** Bytes per entry a policy's own structures cost. */
export function policyEntryBytes(policy: EvictionPolicyFactory): number {
  return POLICY_ENTRY_BYTES.get(policy) ?? DEFAULT_POLICY_ENTRY_BYTES
}

/**
 * The bytes an entry of the memory tier accounts for: everything it keeps alive on the heap except
 * what it shares with others (property names, shared tag arrays).
 */
export function memoryEntryBytes(key: string, entry: Entry, settled: boolean, policyBytes: number): number {
  let bytes = stringBytes(key) + RECORD_BYTES + ENVELOPE_BYTES + policyBytes
  if (settled) bytes += SETTLED_BYTES
  if (!entry.tombstone) bytes += estimateHeapBytes(entry.value)
  // Tags passed with a call get an array of their own per entry; the empty default is shared.
  if (entry.tags.length > 0) bytes += 6 * WORD + entry.tags.length * WORD
  return bytes
}
