import path from 'node:path'
import { fileURLToPath } from 'node:url'

const CLI_BUILDS = fileURLToPath(new URL('../../node_modules/.cache/tiercache-test-cli/', import.meta.url))

/**
 * Where build-cli.ts bundles the `tiercache` command for the test run: a directory of the run's own
 * (named for its main process), which build-cli.ts hands on to the test processes, so that a test
 * file run beside a whole run in the same checkout does not delete the bundle the other one uses.
 */
export const TEST_CLI_DIR = process.env.TIERCACHE_TEST_CLI_DIR ?? path.join(CLI_BUILDS, String(process.pid))
