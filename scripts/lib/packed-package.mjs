import { mkdtempSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { PACKAGE_ROOT } from './package-root.mjs'
import { run } from './run.mjs'

/**
 * Packs the built package with `npm pack` into a new temporary directory, as it would be published.
 * Returns the tarball's path and size in bytes.
 */
export function packPackage() {
  const destination = mkdtempSync(path.join(tmpdir(), 'tiercache-pack-'))
  const { stdout } = run('npm', ['pack', '--json', '--pack-destination', destination], {
    cwd: PACKAGE_ROOT,
  })
  const [packed] = JSON.parse(stdout)
  const tarball = path.join(destination, packed.filename)
  return { tarball, directory: destination, bytes: statSync(tarball).size }
}
