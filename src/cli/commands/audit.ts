import { redactUrl } from '../../redact.js'
import { auditSettings, auditTierSizes, readServerSettings } from '../../tiers/redis/audit.js'
import type { AuditReport } from '../../types/audit-report.js'
import { parseCommand } from '../args.js'
import type { Command } from '../command.js'
import { formatBytes } from '../format.js'
import { connectOnce } from '../redis/client.js'
import { TARGET_HELP, TARGET_OPTIONS, tierTargets } from '../redis/targets.js'
import { escapeControl, escapeJson } from '../terminal-text.js'

const HELP = `Usage: tiercache audit [--tier NAME=URL ...] [--role NAME=hot|warm ...] [--json]

Checks each live Redis tier's configuration (maxmemory, maxmemory-policy, persistence) against its
role, as cache.audit() does: a hot tier should not persist and should evict with allkeys-lfu/lru
under a memory bound; a warm tier should persist, evict with an LRU/LFU policy and have more memory
than the hot tier. Exits 0 when every tier fits its role, 1 when there are warnings or a server
cannot be reached, 2 on bad arguments.

${TARGET_HELP}
  --json                 print the reports as JSON`

export const auditCommand: Command = {
  async run(argv) {
    const { flags, help } = parseCommand('audit', argv, { ...TARGET_OPTIONS, json: { type: 'boolean' } })
    if (help) {
      console.log(HELP)
      return 0
    }
    const targets = tierTargets(flags, 'audit')
    const reports: AuditReport[] = []
    for (const target of targets) {
      const connection = await connectOnce(target.url, `tier "${target.name}"`)
      try {
        reports.push(auditSettings(target.name, target.role, await readServerSettings(connection)))
      } finally {
        await connection.close()
      }
    }
    const audited = auditTierSizes(reports)
    if (flags.json) console.log(escapeJson(JSON.stringify(audited, null, 2)))
    else printReports(audited, targets)
    return audited.some((report) => report.findings.some((finding) => finding.severity === 'warning')) ? 1 : 0
  },
}

function printReports(reports: readonly AuditReport[], targets: readonly { name: string; url: string }[]) {
  for (const report of reports) {
    const { settings } = report
    const url = redactUrl(targets.find((target) => target.name === report.tier)?.url ?? '')
    const memory =
      settings.maxmemory === undefined
        ? '?'
        : settings.maxmemory === 0
          ? 'unbounded'
          : formatBytes(settings.maxmemory)
    const persistence =
      settings.appendonly === undefined
        ? '?'
        : [settings.appendonly ? 'AOF' : '', settings.save?.trim() ? `RDB "${settings.save}"` : '']
            .filter(Boolean)
            .join(' + ') || 'none'
    // The settings are the server's words: escape them before they reach the terminal.
    console.log(
      escapeControl(
        `${report.tier} (${url}, role ${report.role ?? 'none'}): maxmemory ${memory}, policy ${settings.maxmemoryPolicy ?? '?'}, persistence ${persistence}`,
      ),
    )
    if (report.findings.length === 0) console.log('  ok: fits its role')
    for (const finding of report.findings)
      console.log(escapeControl(`  ${finding.severity}: ${finding.message} (expected ${finding.expected})`))
  }
}
