import { redactCredentials, redactUrl } from '../../redact.js'
import type { RedisRole } from '../../types/audit-report.js'
import { type Flags, listFlag, stringFlag } from '../args.js'
import { UsageError } from '../errors.js'

/** A Redis tier named on the command line: the same name, prefix and namespace the application uses. */
export interface TierTarget {
  readonly name: string
  readonly url: string
  readonly role: RedisRole | undefined
  /** Key prefix of the tier, `<name>:` unless the application set its own. */
  readonly prefix: string
}

/** The parseArgs options shared by the commands that talk to live tiers. */
export const TARGET_OPTIONS = {
  tier: { type: 'string', multiple: true },
  role: { type: 'string', multiple: true },
  prefix: { type: 'string', multiple: true },
  namespace: { type: 'string', short: 'n' },
} as const

export const TARGET_HELP = `Tier options (the same names, prefixes and namespace as the application's cache):
  --tier NAME=URL        a Redis tier, fastest first; repeat for each (default: hot=$REDIS_HOT_URL and
                         warm=$REDIS_WARM_URL when set, else redis=$REDIS_URL)
  --role NAME=hot|warm   the tier's role (default: the name when it is "hot" or "warm")
  --prefix NAME=PREFIX   the tier's key prefix (default "NAME:")
  -n, --namespace NS     the cache's namespace (default "tc", as createCache)`

/** Reads `--tier`, `--role`, `--prefix` (or the REDIS_*_URL variables) into targets, first tier first. */
export function tierTargets(flags: Flags, command: string): TierTarget[] {
  const pairs = (flag: string) =>
    new Map(
      listFlag(flags, flag).map((item) => {
        const at = item.indexOf('=')
        if (at <= 0 || at === item.length - 1)
          throw new UsageError(`--${flag} takes NAME=VALUE; got "${redactCredentials(item)}"`, command)
        return [item.slice(0, at), item.slice(at + 1)] as const
      }),
    )
  let tiers = [...pairs('tier')]
  if (tiers.length === 0) tiers = fromEnvironment()
  if (tiers.length === 0) {
    throw new UsageError(
      'no Redis tier given: pass --tier hot=redis://127.0.0.1:6379 (repeat for each tier) or set REDIS_HOT_URL / REDIS_WARM_URL',
      command,
    )
  }
  const roles = pairs('role')
  const prefixes = pairs('prefix')
  const names = new Set(tiers.map(([name]) => name))
  for (const name of [...roles.keys(), ...prefixes.keys()]) {
    if (!names.has(name)) throw new UsageError(`--role/--prefix name "${name}" is not a --tier`, command)
  }
  return tiers.map(([name, url]) => {
    if (!/^rediss?:\/\//.test(url) || !URL.canParse(url))
      throw new UsageError(
        `--tier ${name}: the URL must start with redis:// (redis[s]://[[user]:password@]host[:port][/db]); got "${redactUrl(url)}"`,
        command,
      )
    const role = roles.get(name) ?? (name === 'hot' || name === 'warm' ? name : undefined)
    if (role !== undefined && role !== 'hot' && role !== 'warm')
      throw new UsageError(`--role ${name}: must be hot or warm; got "${role}"`, command)
    return { name, url, role, prefix: prefixes.get(name) ?? `${name}:` }
  })
}

export function namespaceFlag(flags: Flags, command: string): string {
  const namespace = stringFlag(flags, 'namespace') ?? 'tc'
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(namespace))
    throw new UsageError(`--namespace must be 1-64 characters of A-Za-z0-9_.-; got "${namespace}"`, command)
  return namespace
}

function fromEnvironment(): [string, string][] {
  const { REDIS_HOT_URL: hot, REDIS_WARM_URL: warm, REDIS_URL: single } = process.env
  const tiers: [string, string][] = []
  if (hot) tiers.push(['hot', hot])
  if (warm) tiers.push(['warm', warm])
  if (tiers.length === 0 && single) tiers.push(['redis', single])
  return tiers
}
