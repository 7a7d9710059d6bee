import type { RedisRole } from '../../types/audit-report.js'

/** One server of a preset: its tier name, role and redis-server arguments. */
export interface ServerPreset {
  readonly name: string
  readonly role: RedisRole | undefined
  /** The environment variable the demo, the example service and the CLI read its URL from. */
  readonly env: string
  readonly args: readonly string[]
}

const NO_PERSISTENCE = ['--save', '', '--appendonly', 'no']

/** The seed tutorial's architectures as local servers for development. */
export const PRESETS = {
  /** Architecture 2 / section 10: a hot tier (memory only, LFU) over a warm tier (AOF, volatile-lru). */
  'hot-warm': [
    {
      name: 'hot',
      role: 'hot',
      env: 'REDIS_HOT_URL',
      args: [...NO_PERSISTENCE, '--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lfu'],
    },
    {
      name: 'warm',
      role: 'warm',
      env: 'REDIS_WARM_URL',
      args: [
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'everysec',
        '--maxmemory',
        '256mb',
        '--maxmemory-policy',
        'volatile-lru',
      ],
    },
  ],
  /** Architecture 1: one Redis shared by the application's processes, each with its memory tier. */
  'app-redis': [
    {
      name: 'redis',
      role: 'hot',
      env: 'REDIS_URL',
      args: [...NO_PERSISTENCE, '--maxmemory', '128mb', '--maxmemory-policy', 'allkeys-lfu'],
    },
  ],
} as const satisfies Record<string, readonly ServerPreset[]>

export type PresetName = keyof typeof PRESETS

export function isPresetName(name: string): name is PresetName {
  return Object.hasOwn(PRESETS, name)
}
