import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root: the directory of the package being checked. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** The package's package.json, parsed. */
export function readPackageJson() {
  return JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8'))
}

/**
 * The subpaths of package.json `exports` that are modules (`.`, `./keyv`, …), in their order there;
 * `./package.json` is left out. New subpaths are picked up by every check that uses this list.
 */
export function exportedModuleSubpaths() {
  return Object.keys(readPackageJson().exports).filter((subpath) => subpath !== './package.json')
}
