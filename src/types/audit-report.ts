/** The part a Redis tier plays in the stack, as the seed tutorial's Architecture 2 describes it. */
export type RedisRole = 'hot' | 'warm'

/** The server settings the audit reads. `undefined` when the server would not say (CONFIG disabled). */
export interface RedisServerSettings {
  readonly maxmemory: number | undefined
  readonly maxmemoryPolicy: string | undefined
  readonly appendonly: boolean | undefined
  readonly save: string | undefined
}

export interface AuditFinding {
  readonly setting: 'maxmemory' | 'maxmemory-policy' | 'persistence' | 'config'
  readonly severity: 'warning' | 'info'
  readonly actual: string
  readonly expected: string
  readonly message: string
}

/** The result of checking one Redis tier's live configuration against its role. */
export interface AuditReport {
  readonly tier: string
  readonly role: RedisRole | undefined
  readonly settings: RedisServerSettings
  /** Empty when the configuration fits the role. */
  readonly findings: readonly AuditFinding[]
}
