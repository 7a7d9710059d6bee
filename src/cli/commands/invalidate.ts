import { createCache, redisTier } from 'tiercache'
import { listFlag, parseCommand } from '../args.js'
import { Cleanup } from '../cleanup.js'
import type { Command } from '../command.js'
import { CliError, errorMessage, UsageError } from '../errors.js'
import { connectClient } from '../redis/client.js'
import { namespaceFlag, TARGET_HELP, TARGET_OPTIONS, tierTargets } from '../redis/targets.js'

const HELP = `Usage: tiercache invalidate (--key KEY | --tag TAG) ... [--tier NAME=URL ...] [-n NAMESPACE]

Invalidates keys and tags the way the application's own cache.delete() and cache.invalidateTags()
do: keys are removed from every Redis tier (leaving tombstones so a load already running cannot
write the old value back), tag versions are bumped in the coordinating (first) tier, and every
application process is told over the invalidation bus to drop its memory copies.

  --key KEY              a key as the application names it, e.g. product:42 (repeatable)
  --tag TAG              a tag, e.g. category:7 (repeatable)

${TARGET_HELP}`

export const invalidateCommand: Command = {
  async run(argv) {
    const { flags, help } = parseCommand('invalidate', argv, {
      ...TARGET_OPTIONS,
      key: { type: 'string', multiple: true, short: 'k' },
      tag: { type: 'string', multiple: true, short: 't' },
    })
    if (help) {
      console.log(HELP)
      return 0
    }
    const keys = listFlag(flags, 'key')
    const tags = listFlag(flags, 'tag')
    if (keys.length === 0 && tags.length === 0)
      throw new UsageError('give at least one --key or --tag', 'invalidate')
    const namespace = namespaceFlag(flags, 'invalidate')
    const targets = tierTargets(flags, 'invalidate')
    const cleanup = new Cleanup()
    try {
      const tiers = []
      for (const target of targets) {
        const client = await connectClient(target.url, `tier "${target.name}"`)
        cleanup.add(() => client.close())
        tiers.push(redisTier({ name: target.name, client, prefix: target.prefix, timeout: '5s' }))
      }
      const cache = createCache({ namespace, tiers })
      cleanup.add(() => cache.close())
      const tierErrors: string[] = []
      cache.on('tierError', ({ tier, error }) => tierErrors.push(`tier "${tier}": ${errorMessage(error)}`))
      const names = targets.map((target) => target.name).join(', ')
      if (keys.length > 0) {
        await cache.deleteMany(keys)
        for (const key of keys) console.log(`deleted ${key} from ${names}`)
      }
      if (tags.length > 0) {
        await cache.invalidateTags(tags)
        for (const tag of tags) console.log(`invalidated tag ${tag} (coordinated by ${targets[0]?.name})`)
      }
      const failed = cache.stats().tiers.filter((tier) => tier.errors > 0 || tier.skipped > 0)
      if (failed.length > 0 || tierErrors.length > 0) {
        const names = failed.map((tier) => tier.name).join(', ')
        throw new CliError(`not every tier took the invalidation (${names}): ${tierErrors.join('; ')}`)
      }
      console.log('application processes were told over the bus to drop their memory copies')
      return 0
    } finally {
      await cleanup.run()
    }
  },
}
