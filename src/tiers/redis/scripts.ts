import { createHash } from 'node:crypto'
import { VERSION_LEAD_LIMIT_US } from '../../entry.js'
import type { RedisArgument, RedisConnection } from './connection.js'

/**
 * Lua scripts that make version checks atomic inside Redis. Versions come from the coordinating
 * tier's clock: Redis TIME in microseconds, kept strictly increasing by a clock key, so two processes
 * never need their own clocks to agree (see `stack/version-clock.ts`).
 */
export interface RedisScript {
  readonly source: string
  readonly sha: string
}

function script(source: string): RedisScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') }
}

/**
 * Lua returning the coordinator clock as `clock`: max(TIME in µs, stored clock key KEYS[2]). Every
 * version issued later is strictly greater, so a load may use it as its start version. A stored clock
 * more than VERSION_LEAD_LIMIT_US ahead of TIME is not one this script stored, and is passed over.
 */
const READ_CLOCK_LUA = `
local t = redis.call('TIME')
local clock = tonumber(t[1]) * 1000000 + tonumber(t[2])
local stored = tonumber(redis.call('GET', KEYS[2]))
if stored and stored > clock and stored <= clock + ${VERSION_LEAD_LIMIT_US} then clock = stored end
`

/**
 * Lua defining `plausible(stored)`: false for a version more than VERSION_LEAD_LIMIT_US ahead of this
 * server's TIME, which no tier issued (forged or corrupt bytes), so that it cannot outrank every later
 * write. Called only for a version that would otherwise win, so the common path reads no TIME.
 */
const PLAUSIBLE_VERSION = `
local function plausible(stored)
  local t = redis.call('TIME')
  return stored <= tonumber(t[1]) * 1000000 + tonumber(t[2]) + ${VERSION_LEAD_LIMIT_US}
end
`

/** Reads the coordinator clock. KEYS[1] = unused (the clock key again), KEYS[2] = clock key. Returns it as a string. */
export const READ_CLOCK = script(`${READ_CLOCK_LUA}
return string.format('%.0f', clock)
`)

/**
 * Takes a key's load lease if free, and reads the clock in the same round trip, so the load that
 * follows has its start version without another one. When the lease is held by another process,
 * marks it as awaited, so its holder knows to announce the fill. KEYS[1] = lease key, KEYS[2] = clock
 * key, KEYS[3] = awaited mark, KEYS[4] = the entry; ARGV = token, PX milliseconds, and the newest
 * version the caller's read saw ('' for no check). Returns { 1 | 0 (taken by us?), clock }, or
 * { 2, '0' } when the entry now holds a newer version than the caller saw: someone filled or wrote it
 * between the caller's read and this request (a load that finished, lease released, in that window),
 * so the caller reads again instead of loading a second time.
 */
export const ACQUIRE_LEASE = script(`${PLAUSIBLE_VERSION}
if ARGV[3] ~= '' then
  local head = redis.pcall('GETRANGE', KEYS[4], 0, 35)
  if type(head) == 'string' and #head == 36 and string.byte(head, 1) == 193 and string.byte(head, 2) == 1 then
    local stored = struct.unpack('>d', head, 5)
    if stored > tonumber(ARGV[3]) and plausible(stored) then return { 2, '0' } end
  end
end
local taken = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
if not taken then redis.call('SET', KEYS[3], '1', 'PX', ARGV[2]) end
${READ_CLOCK_LUA}
return { taken and 1 or 0, string.format('%.0f', clock) }
`)

/**
 * ACQUIRE_LEASE for a lease requested along with the key's read, with no version seen yet (0), that
 * answers the read too: the entry's bytes come back as the third element (false where the key holds
 * nothing or no string), so the read needs no MGET of its own. KEYS and ARGV[1..2] as ACQUIRE_LEASE.
 * Returns { 2, '0', entry } when the key holds an entry (any plausible version above 0), else
 * { 1 | 0 (taken by us?), clock, entry }.
 */
export const ACQUIRE_LEASE_READING = script(`${PLAUSIBLE_VERSION}
local entry = redis.pcall('GET', KEYS[4])
if type(entry) ~= 'string' then entry = false end
if entry and #entry >= 36 and string.byte(entry, 1) == 193 and string.byte(entry, 2) == 1 then
  local stored = struct.unpack('>d', entry, 5)
  if stored > 0 and plausible(stored) then return { 2, '0', entry } end
end
local taken = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
if not taken then redis.call('SET', KEYS[3], '1', 'PX', ARGV[2]) end
${READ_CLOCK_LUA}
return { taken and 1 or 0, string.format('%.0f', clock), entry }
`)

/**
 * Lua that issues a new version into `version` (a local the including script declares): one more than
 * the clock READ_CLOCK_LUA reads, stored back as the clock. Strictly greater than every version issued
 * and every clock value returned before it.
 */
const ISSUE_VERSION = `${READ_CLOCK_LUA}
version = clock + 1
redis.call('SET', KEYS[2], string.format('%.0f', version))
`

/**
 * Lua setting `newer` to the version stored at KEYS[1] if it is above `version` (a local the including
 * script declares), else leaving it nil. Garbage bytes, and versions no tier issued, count as no
 * version, so they are overwritten.
 */
const STORED_NEWER = `${PLAUSIBLE_VERSION}
local newer
local head = redis.pcall('GETRANGE', KEYS[1], 0, 35)
if type(head) == 'string' and #head == 36 and string.byte(head, 1) == 193 and string.byte(head, 2) == 1 then
  local current = struct.unpack('>d', head, 5)
  if current > version and plausible(current) then newer = current end
end
`

/**
 * Writes an entry unless the key already holds a newer version (garbage bytes count as no version,
 * so they are overwritten). Under 'issue' the script first issues a version from the clock and
 * patches it into the entry's header at byte 5 (the format's version field).
 * KEYS[1] = entry key, KEYS[2] = clock key (only under 'issue').
 * ARGV = encoded entry, PX milliseconds, 'issue' | 'given', given version.
 * Returns { 1 | 0 (written?), version used or version found }.
 */
export const WRITE_IF_NEWER = script(`
local bytes = ARGV[1]
local version
if ARGV[3] == 'issue' then
${ISSUE_VERSION}
  bytes = string.sub(bytes, 1, 4) .. struct.pack('>d', version) .. string.sub(bytes, 13)
else
  version = tonumber(ARGV[4])
end
${STORED_NEWER}
if newer then return { 0, string.format('%.0f', newer) } end
redis.call('SET', KEYS[1], bytes, 'PX', ARGV[2])
return { 1, string.format('%.0f', version) }
`)

/**
 * A load's fill and the release of its lease in one round trip (a single server: the entry and the
 * lease need not share a slot): WRITE_IF_NEWER with a given version, then RELEASE_LEASE whether or not
 * the entry was written. KEYS[1] = entry key, KEYS[2] = lease key, KEYS[3] = awaited mark.
 * ARGV = encoded entry, PX milliseconds, given version, lease token.
 * Returns { 1 | 0 (written?), version used or version found, 1 | 0 (was the fill awaited?) }.
 */
export const WRITE_IF_NEWER_RELEASE = script(`
local version = tonumber(ARGV[3])
${STORED_NEWER}
if not newer then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
if redis.call('GET', KEYS[2]) == ARGV[4] then redis.call('DEL', KEYS[2]) end
return { newer and 0 or 1, string.format('%.0f', newer or version), redis.call('DEL', KEYS[3]) }
`)

/**
 * Invalidates tags: issues one version and stores it under every tag key, with a TTL that outlives
 * any entry carrying the tag. KEYS[1] = unused (kept so KEYS[2] is the clock, as ISSUE_VERSION
 * expects), KEYS[2] = clock key, KEYS[3..] = tag keys. ARGV[1] = PX milliseconds. Returns the version.
 */
export const INVALIDATE_TAGS = script(`
local version
${ISSUE_VERSION}
local text = string.format('%.0f', version)
for i = 3, #KEYS do redis.call('SET', KEYS[i], text, 'PX', ARGV[1]) end
return text
`)

/**
 * Deletes a lease if this process still holds it, and its awaited mark. KEYS[1] = lease key,
 * KEYS[2] = awaited mark, ARGV[1] = token. Returns 1 if someone was waiting for the fill, else 0.
 */
export const RELEASE_LEASE = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return redis.call('DEL', KEYS[2])
`)

/**
 * Issues a version and returns it, writing nothing else. A cluster tier's set or delete runs this
 * first and then WRITE_IF_NEWER with the version 'given', because its entry key lives in another slot
 * than the clock (see tiers/redis/key-layout.ts). KEYS[1] = unused (the clock key again), KEYS[2] = clock key.
 */
export const ISSUE_VERSION_ONLY = script(`
local version
${ISSUE_VERSION}
return string.format('%.0f', version)
`)

/**
 * ACQUIRE_LEASE without the clock, for a cluster tier (the clock lives in the namespace's slot, the
 * lease in the key's; the clock is read with READ_CLOCK alongside). KEYS[1] = lease key, KEYS[2] =
 * awaited mark; ARGV = token, PX milliseconds. Returns 1 if taken by us, else 0.
 */
export const ACQUIRE_LEASE_ONLY = script(`
local taken = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
if not taken then redis.call('SET', KEYS[2], '1', 'PX', ARGV[2]) end
return taken and 1 or 0
`)

/** Runs a script by SHA, loading it with EVAL the first time a server has not seen it. */
export async function runScript(
  connection: RedisConnection,
  { sha, source }: RedisScript,
  keys: readonly RedisArgument[],
  args: readonly RedisArgument[],
): Promise<unknown> {
  const numberOfKeys = String(keys.length)
  try {
    return await connection.send(['EVALSHA', sha, numberOfKeys, ...keys, ...args])
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
    return connection.send(['EVAL', source, numberOfKeys, ...keys, ...args])
  }
}
