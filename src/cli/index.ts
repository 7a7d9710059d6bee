#!/usr/bin/env node
/**
 * The `tiercache` command: the demo, local Redis tiers for development, and tools for live tiers.
 * Argument parsing is node:util parseArgs; every command has --help.
 */
import { inspect } from 'node:util'
import { redactCredentials } from '../redact.js'
import type { CommandEntry } from './command.js'
import { errorMessage, isCliError } from './errors.js'
import { escapeLines } from './terminal-text.js'
import { packageVersion } from './version.js'

const commands: readonly CommandEntry[] = [
  {
    name: 'demo',
    summary: "run the seed's e-commerce stack end to end and report what the cache did",
    load: async () => (await import('./commands/demo.js')).loadDemoCommand(),
  },
  {
    name: 'redis',
    summary: 'redis up: start local Redis tiers for development (hot-warm or app-redis)',
    load: async () => (await import('./commands/redis-up.js')).redisCommand,
  },
  {
    name: 'audit',
    summary: "check live Redis tiers' configuration against their roles (hot, warm)",
    load: async () => (await import('./commands/audit.js')).auditCommand,
  },
  {
    name: 'inspect',
    summary: 'which tiers hold a key, TTL left, encoded size and a decoded preview',
    load: async () => (await import('./commands/inspect.js')).inspectCommand,
  },
  {
    name: 'invalidate',
    summary: 'delete keys or invalidate tags in every tier and every process',
    load: async () => (await import('./commands/invalidate.js')).invalidateCommand,
  },
  {
    name: 'stats',
    summary: "live per-tier figures from an application's /metrics endpoint or from Redis",
    load: async () => (await import('./commands/stats.js')).statsCommand,
  },
]

function usage(): string {
  const width = Math.max(...commands.map((command) => command.name.length))
  return [
    'Usage: tiercache <command> [options]',
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Run "tiercache <command> --help" for the options of a command, "tiercache --version" for the version.',
  ].join('\n')
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage())
    return name === undefined ? 2 : 0
  }
  if (name === '--version' || name === '-v') {
    console.log(packageVersion())
    return 0
  }
  const command = commands.find((candidate) => candidate.name === name)
  if (!command) {
    console.error(`tiercache: unknown command "${name}"\n\n${usage()}`)
    return 2
  }
  try {
    return await (await command.load()).run(rest)
  } catch (error) {
    // Messages may quote a server's error reply or a URL: no credentials, no terminal control characters.
    const say = (text: string) => console.error(escapeLines(redactCredentials(text)))
    if (isCliError(error)) {
      say(`tiercache ${name}: ${error.message}`)
      return error.exitCode
    }
    say(`tiercache ${name}: ${errorMessage(error)}`)
    if (process.env.TIERCACHE_DEBUG) say(inspect(error))
    return 1
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
    // Everything is closed by now; if a stray handle lingers, do not hang the shell.
    setTimeout(() => process.exit(code), 2000).unref()
  },
  (error: unknown) => {
    console.error(error)
    process.exitCode = 1
  },
)
