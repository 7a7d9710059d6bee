import { inspect as inspectValue } from 'node:util'
import { decodeEntry } from '../../codec/entry-codec.js'
import { builtInSerializers } from '../../codec/serializer.js'
import { parseCommand } from '../args.js'
import type { Command } from '../command.js'
import { UsageError } from '../errors.js'
import { formatBytes, formatDuration } from '../format.js'
import { connectOnce } from '../redis/client.js'
import { namespaceFlag, TARGET_HELP, TARGET_OPTIONS, type TierTarget, tierTargets } from '../redis/targets.js'
import { escapeControl, escapeJson, escapeLines } from '../terminal-text.js'

const HELP = `Usage: tiercache inspect <key> [--tier NAME=URL ...] [-n NAMESPACE] [--full] [--json]

Shows which Redis tiers hold <key> (the key as the application passes it to the cache, e.g.
"product:42"), the time to live left in each, the encoded size, the entry's envelope (version,
created, fresh until, tags, compression) and a preview of the decoded value. Memory tiers live
inside each application process and cannot be inspected from outside.

${TARGET_HELP}
  --full                 print the whole value instead of a preview
  --json                 print the findings as JSON`

/** What one tier holds under a key. */
interface TierFinding {
  tier: string
  redisKey: string
  held: boolean
  ttlMs?: number
  encodedBytes?: number
  compressed?: boolean
  tombstone?: boolean
  version?: number
  createdAt?: string
  freshForMs?: number
  staleForMs?: number
  tags?: readonly string[]
  valueBytes?: number
  value?: unknown
  undecodable?: string
}

const serializers = new Map(builtInSerializers.map((serializer) => [serializer.id, serializer]))

export const inspectCommand: Command = {
  async run(argv) {
    const { flags, positionals, help } = parseCommand(
      'inspect',
      argv,
      { ...TARGET_OPTIONS, full: { type: 'boolean' }, json: { type: 'boolean' } },
      { positionals: 1 },
    )
    if (help) {
      console.log(HELP)
      return 0
    }
    const key = positionals[0]
    if (key === undefined || key === '') throw new UsageError('inspect needs a <key>', 'inspect')
    const namespace = namespaceFlag(flags, 'inspect')
    const targets = tierTargets(flags, 'inspect')
    const findings: TierFinding[] = []
    for (const target of targets) findings.push(await inspectTier(target, namespace, key))
    if (flags.json) {
      console.log(escapeJson(JSON.stringify({ key, namespace, tiers: findings }, jsonSafe, 2)))
      return 0
    }
    console.log(`key "${escapeControl(key)}" in namespace "${namespace}"`)
    for (const finding of findings) printFinding(finding, flags.full === true)
    if (!findings.some((finding) => finding.held)) console.log('not held by any Redis tier')
    console.log('(memory tiers live inside each application process and are not visible from here)')
    return 0
  },
}

async function inspectTier(target: TierTarget, namespace: string, key: string): Promise<TierFinding> {
  const redisKey = `${target.prefix}${namespace}:${key}`
  const connection = await connectOnce(target.url, `tier "${target.name}"`)
  try {
    const [bytes, pttl] = await Promise.all([
      connection.send(['GET', redisKey]),
      connection.send(['PTTL', redisKey]),
    ])
    if (!Buffer.isBuffer(bytes)) return { tier: target.name, redisKey, held: false }
    const ttl = Number(pttl)
    const finding: TierFinding = {
      tier: target.name,
      redisKey,
      held: true,
      encodedBytes: bytes.byteLength,
      compressed: bytes.byteLength > 2 && ((bytes[2] as number) & 1) === 1,
      ...(ttl >= 0 ? { ttlMs: ttl } : {}),
    }
    const decoded = decodeEntry(bytes, serializers)
    if (!decoded.ok) return { ...finding, undecodable: decoded.reason }
    const { entry, payload } = decoded
    const now = Date.now()
    return {
      ...finding,
      tombstone: entry.tombstone === true,
      version: entry.version,
      createdAt: new Date(entry.createdAt).toISOString(),
      freshForMs: entry.freshUntil - now,
      staleForMs: entry.staleUntil - now,
      tags: entry.tags,
      ...(payload ? { valueBytes: payload.byteLength } : {}),
      ...(entry.tombstone ? {} : { value: entry.value }),
    }
  } finally {
    await connection.close()
  }
}

function printFinding(finding: TierFinding, full: boolean): void {
  // Tags, values and reasons come from the bytes in Redis: nothing of them reaches the terminal raw.
  const head = `${finding.tier.padEnd(6)} ${escapeControl(finding.redisKey)}`
  if (!finding.held) {
    console.log(`${head}  not held`)
    return
  }
  const ttl = finding.ttlMs === undefined ? 'no TTL' : `TTL left ${formatDuration(finding.ttlMs)}`
  const size =
    finding.compressed && finding.valueBytes !== undefined
      ? `${formatBytes(finding.encodedBytes ?? 0)} (value compressed from ${formatBytes(finding.valueBytes)})`
      : formatBytes(finding.encodedBytes ?? 0)
  console.log(`${head}  held, ${ttl}, ${size}`)
  if (finding.undecodable) {
    console.log(`       not a readable tiercache entry: ${escapeControl(finding.undecodable)}`)
    return
  }
  const freshness = finding.tombstone
    ? `tombstone (deleted; remembered ${formatDuration(finding.staleForMs ?? 0)} more)`
    : (finding.freshForMs ?? 0) > 0
      ? `fresh for ${formatDuration(finding.freshForMs ?? 0)} more`
      : `expired ${formatDuration(-(finding.freshForMs ?? 0))} ago`
  const tags =
    finding.tags && finding.tags.length > 0 ? `, tags ${finding.tags.map(escapeControl).join(', ')}` : ''
  console.log(`       version ${finding.version}, created ${finding.createdAt}, ${freshness}${tags}`)
  if (finding.tombstone) return
  const preview = inspectValue(finding.value, {
    depth: full ? Number.POSITIVE_INFINITY : 3,
    breakLength: 100,
    maxArrayLength: full ? Number.POSITIVE_INFINITY : 10,
    maxStringLength: full ? Number.POSITIVE_INFINITY : 120,
    colors: false,
  })
  const text = full || preview.length <= 800 ? preview : `${preview.slice(0, 800)} …`
  console.log(`       value: ${escapeLines(text).replaceAll('\n', '\n       ')}`)
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Map) return Object.fromEntries(value)
  if (value instanceof Set) return [...value]
  return value
}
