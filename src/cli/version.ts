import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The installed package's version, read from the nearest `package.json` named tiercache above this
 * file: the same code runs from `src/` (tsx) and bundled in `dist/`, at different depths.
 */
export function packageVersion(): string {
  let directory = path.dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const file = path.join(directory, 'package.json')
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown }
      if (manifest.name === 'tiercache' && typeof manifest.version === 'string') return manifest.version
    }
    const parent = path.dirname(directory)
    if (parent === directory) return 'unknown'
    directory = parent
  }
}
