import { lstatSync, mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { run } from './run.mjs'

/** A new, empty npm project (`npm init -y`) in a temporary directory; returns its path. */
export function createTempProject(label) {
  const directory = mkdtempSync(path.join(tmpdir(), `tiercache-${label}-`))
  run('npm', ['init', '-y'], { cwd: directory })
  return directory
}

/**
 * `npm install` of `specs` into `directory`, as a user would type it (no --force, no
 * --legacy-peer-deps). Fails when npm fails, and also when it printed an ERESOLVE warning: npm then
 * overrode a peer dependency to finish the install, which a user sees as a conflict too.
 */
export function npmInstall(directory, specs) {
  const { output } = run('npm', ['install', '--no-audit', '--no-fund', ...specs], { cwd: directory })
  if (/ERESOLVE/.test(output))
    throw new Error(`npm install ${specs.join(' ')} reported a peer dependency conflict:\n${output}`)
}

/** Total size in bytes of the regular files under `directory` (symbolic links are not followed). */
export function directoryBytes(directory) {
  let bytes = 0
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const entryPath = path.join(directory, entry.name)
    if (entry.isDirectory()) bytes += directoryBytes(entryPath)
    else if (entry.isFile()) bytes += lstatSync(entryPath).size
  }
  return bytes
}
