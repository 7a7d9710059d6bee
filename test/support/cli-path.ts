import { fileURLToPath } from 'node:url'

/** Where build-cli.ts bundles the `tiercache` command for the test run. */
export const TEST_CLI_DIR = fileURLToPath(
  new URL('../../node_modules/.cache/tiercache-test-cli/', import.meta.url),
)
