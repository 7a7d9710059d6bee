import type { AuditFinding, AuditReport, RedisRole, RedisServerSettings } from '../../types/audit-report.js'
import type { RedisConnection } from './connection.js'

/** Reads the settings the audit needs; tolerates managed servers that disable CONFIG. */
export async function readServerSettings(connection: RedisConnection): Promise<RedisServerSettings> {
  const [maxmemory, policy, appendonly, save] = await Promise.all(
    ['maxmemory', 'maxmemory-policy', 'appendonly', 'save'].map((name) => configGet(connection, name)),
  )
  return {
    maxmemory: maxmemory === undefined ? undefined : Number(maxmemory),
    maxmemoryPolicy: policy,
    appendonly: appendonly === undefined ? undefined : appendonly === 'yes',
    save,
  }
}

async function configGet(connection: RedisConnection, name: string): Promise<string | undefined> {
  try {
    return configValue(await connection.send(['CONFIG', 'GET', name]), name)
  } catch {
    return undefined
  }
}

/** CONFIG GET answers a flat [name, value] array under RESP2 and a map under RESP3. */
function configValue(reply: unknown, name: string): string | undefined {
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) if (String(reply[i]) === name) return String(reply[i + 1])
    return undefined
  }
  if (reply instanceof Map) {
    for (const [key, value] of reply) if (String(key) === name) return String(value)
    return undefined
  }
  if (reply !== null && typeof reply === 'object') {
    const value = (reply as Record<string, unknown>)[name]
    return value === undefined ? undefined : String(value)
  }
  return undefined
}

const HOT_POLICIES = ['allkeys-lfu', 'allkeys-lru']
const WARM_POLICIES = ['volatile-lru', 'volatile-lfu', 'allkeys-lru', 'allkeys-lfu', 'volatile-ttl']

/**
 * Compares settings with the role. Hot: no persistence, an allkeys LFU/LRU policy, bounded memory.
 * Warm: persistence on, an LRU/LFU-style policy (volatile-lru in the seed), memory bounded.
 */
export function auditSettings(
  tier: string,
  role: RedisRole | undefined,
  settings: RedisServerSettings,
): AuditReport {
  const findings: AuditFinding[] = []
  const persistent =
    settings.appendonly === true || (settings.save !== undefined && settings.save.trim() !== '')
  const persistenceKnown = settings.appendonly !== undefined && settings.save !== undefined
  const { maxmemory, maxmemoryPolicy } = settings

  if (maxmemory === undefined || maxmemoryPolicy === undefined || !persistenceKnown) {
    findings.push({
      setting: 'config',
      severity: 'info',
      actual: 'CONFIG GET refused or incomplete',
      expected: 'CONFIG GET allowed',
      message: `tier "${tier}": could not read the server configuration; the audit is incomplete`,
    })
  }
  if (role === 'hot') {
    if (persistenceKnown && persistent) {
      findings.push(
        finding(
          'persistence',
          describePersistence(settings),
          'off (appendonly no, save "")',
          `tier "${tier}" is a hot cache but the server persists to disk; persistence costs latency and a hot tier can always be refilled`,
        ),
      )
    }
    if (maxmemoryPolicy !== undefined && !HOT_POLICIES.includes(maxmemoryPolicy)) {
      findings.push(
        finding(
          'maxmemory-policy',
          maxmemoryPolicy,
          HOT_POLICIES.join(' or '),
          `tier "${tier}" is a hot cache but evicts with ${maxmemoryPolicy}; allkeys-lfu keeps the most used keys`,
        ),
      )
    }
    if (maxmemory === 0) {
      findings.push(
        finding(
          'maxmemory',
          '0 (unbounded)',
          'a bound, e.g. 1gb',
          `tier "${tier}" is a hot cache with no maxmemory; it will grow until the machine runs out of memory`,
        ),
      )
    }
  }
  if (role === 'warm') {
    if (persistenceKnown && !persistent) {
      findings.push(
        finding(
          'persistence',
          'off',
          'appendonly yes or RDB snapshots',
          `tier "${tier}" is a warm cache without persistence; a restart empties it and sends every miss to the database`,
        ),
      )
    }
    if (maxmemoryPolicy !== undefined && !WARM_POLICIES.includes(maxmemoryPolicy)) {
      findings.push(
        finding(
          'maxmemory-policy',
          maxmemoryPolicy,
          'volatile-lru (or another LRU/LFU policy)',
          `tier "${tier}" is a warm cache evicting with ${maxmemoryPolicy}; with noeviction writes fail once memory is full`,
        ),
      )
    }
    if (maxmemory === 0) {
      findings.push(
        finding(
          'maxmemory',
          '0 (unbounded)',
          'a bound larger than the hot tier',
          `tier "${tier}" is a warm cache with no maxmemory`,
        ),
      )
    }
  }
  return { tier, role, settings, findings }
}

/**
 * One report for a tier whose keys are spread over several servers (a cluster's masters), from one
 * report per server, in the same order as `addresses`. A finding true of some servers only says which
 * (`addresses[i]`, or its position where the address is unknown); the settings shown are the first
 * server's.
 */
export function combineServerReports(
  reports: readonly [AuditReport, ...AuditReport[]],
  addresses: readonly (string | undefined)[],
): AuditReport {
  const [first] = reports
  if (reports.length === 1) return first
  // Each distinct finding, with the servers it is true of.
  const byMessage = new Map<string, { finding: AuditFinding; where: string[] }>()
  reports.forEach((report, i) => {
    const where = addresses[i] ?? `master ${i + 1}`
    for (const finding of report.findings) {
      const seen = byMessage.get(finding.message)
      if (seen === undefined) byMessage.set(finding.message, { finding, where: [where] })
      else seen.where.push(where)
    }
  })
  const findings = [...byMessage.values()].map(({ finding, where }) =>
    where.length === reports.length
      ? { ...finding, message: `${finding.message} (all ${reports.length} masters)` }
      : { ...finding, message: `${finding.message} (on ${where.join(', ')} of ${reports.length} masters)` },
  )
  return { ...first, findings }
}

/** Warm tiers should be given more memory than hot ones; flags the reverse. */
export function auditTierSizes(reports: readonly AuditReport[]): AuditReport[] {
  const hot = reports.filter((r) => r.role === 'hot' && r.settings.maxmemory)
  return reports.map((report) => {
    const ownMemory = report.settings.maxmemory
    if (report.role !== 'warm' || !ownMemory) return report
    const larger = hot.find((h) => (h.settings.maxmemory ?? 0) > ownMemory)
    if (!larger) return report
    return {
      ...report,
      findings: [
        ...report.findings,
        finding(
          'maxmemory',
          String(ownMemory),
          `more than hot tier "${larger.tier}" (${larger.settings.maxmemory})`,
          `warm tier "${report.tier}" has less memory than hot tier "${larger.tier}"`,
        ),
      ],
    }
  })
}

function finding(
  setting: AuditFinding['setting'],
  actual: string,
  expected: string,
  message: string,
): AuditFinding {
  return { setting, severity: 'warning', actual, expected, message }
}

function describePersistence(settings: RedisServerSettings): string {
  const parts = []
  if (settings.appendonly) parts.push('appendonly yes')
  if (settings.save?.trim()) parts.push(`save "${settings.save}"`)
  return parts.join(', ')
}
