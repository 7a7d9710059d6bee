import { readFileSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'tsup'
import { TEST_CLI_DIR } from './cli-path.js'

/**
 * Bundles the `tiercache` command once for the whole run, as the package ships it (dist/cli.js), so
 * that the many CLI processes the tests start load in a fraction of the time tsx needs to compile them.
 * Unlike the package, the bundle holds the library and the demo (tsconfig paths resolve `tiercache` and
 * `tiercache-demo` to their sources), so the tests run the sources without a build; the demo's instance
 * process is bundled beside it, where the demo looks for it.
 */

export default async function setup(): Promise<() => void> {
  rmSync(TEST_CLI_DIR, { recursive: true, force: true })
  // The test processes start after this and inherit the environment: they find this run's bundle.
  process.env.TIERCACHE_TEST_CLI_DIR = TEST_CLI_DIR
  await build({
    config: false,
    entry: {
      cli: fileURLToPath(new URL('../../src/cli/index.ts', import.meta.url)),
      'demo-instance': fileURLToPath(new URL('../../packages/demo/src/instance.ts', import.meta.url)),
    },
    // PGlite finds its data files next to its own module, not next to a bundle.
    external: demoDependencies(),
    format: ['esm'],
    outDir: TEST_CLI_DIR,
    splitting: true,
    sourcemap: true,
    target: 'node20',
    silent: true,
  })
  return () => rmSync(TEST_CLI_DIR, { recursive: true, force: true })
}

/** The demo package's dependencies (its database clients), loaded from node_modules as it ships. */
export function demoDependencies(): string[] {
  const manifest = JSON.parse(
    readFileSync(new URL('../../packages/demo/package.json', import.meta.url), 'utf8'),
  ) as { dependencies: Record<string, string> }
  return Object.keys(manifest.dependencies)
}
