import { rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'tsup'
import { DEMO_PACKAGES } from '../../tsup.config.js'
import { TEST_CLI_DIR } from './cli-path.js'

/**
 * Bundles the `tiercache` command once for the whole run, as the package ships it (dist/cli.js), so
 * that the many CLI processes the tests start load in a fraction of the time tsx needs to compile them.
 */

export default async function setup(): Promise<() => void> {
  rmSync(TEST_CLI_DIR, { recursive: true, force: true })
  // The test processes start after this and inherit the environment: they find this run's bundle.
  process.env.TIERCACHE_TEST_CLI_DIR = TEST_CLI_DIR
  await build({
    config: false,
    entry: {
      cli: fileURLToPath(new URL('../../src/cli/index.ts', import.meta.url)),
      'demo-instance': fileURLToPath(new URL('../../src/cli/demo/instance.ts', import.meta.url)),
    },
    external: DEMO_PACKAGES,
    format: ['esm'],
    outDir: TEST_CLI_DIR,
    splitting: true,
    sourcemap: true,
    target: 'node20',
    silent: true,
  })
  return () => rmSync(TEST_CLI_DIR, { recursive: true, force: true })
}
