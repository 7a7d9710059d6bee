import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The file a demo instance runs: `instance.ts` next to this file when running from source (tsx),
 * `instance.js` in the package's dist, or `demo-instance.js` next to the CLI the tests bundle with the
 * demo in it.
 */
export function instanceScript(): string {
  const here = fileURLToPath(import.meta.url)
  const dir = path.dirname(here)
  const candidates = here.endsWith('.ts')
    ? [path.join(dir, 'instance.ts')]
    : [path.join(dir, 'demo-instance.js'), path.join(dir, 'instance.js')]
  return candidates.find((file) => existsSync(file)) ?? (candidates[0] as string)
}
