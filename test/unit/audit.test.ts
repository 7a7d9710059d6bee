import { describe, expect, test } from 'vitest'
import { auditSettings, combineServerReports } from '../../src/tiers/redis/audit.js'
import type { AuditReport, RedisServerSettings } from '../../src/types/audit-report.js'

const hotFit: RedisServerSettings = {
  maxmemory: 64 << 20,
  maxmemoryPolicy: 'allkeys-lfu',
  appendonly: false,
  save: '',
}

describe('combineServerReports', () => {
  test('a finding on every master says so; one on some names them, by position where the address is unknown', () => {
    const servers: RedisServerSettings[] = [
      { ...hotFit, appendonly: true },
      { ...hotFit, appendonly: true, maxmemoryPolicy: 'noeviction' },
      { ...hotFit, appendonly: true },
    ]
    const [first, ...others] = servers.map((settings) => auditSettings('hot', 'hot', settings))
    const report = combineServerReports(
      [first as AuditReport, ...others],
      ['10.0.0.1:7000', undefined, '10.0.0.3:7000'],
    )
    expect(report.settings).toEqual(servers[0])
    expect(report.findings.map(({ setting, message }) => [setting, message.replace(/^.*\(/, '(')])).toEqual([
      ['persistence', '(all 3 masters)'],
      ['maxmemory-policy', '(on master 2 of 3 masters)'],
    ])
  })

  test('a single server keeps its report as it is', () => {
    const report = auditSettings('warm', 'warm', hotFit)
    expect(combineServerReports([report], [undefined])).toBe(report)
  })
})
