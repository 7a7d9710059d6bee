import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

/**
 * Files that assert on latency (p99 under a stall, recovery within 1 s, loader timings) run after the
 * rest and one at a time: on two cores, the multi-process tests running beside them would measure the
 * machine, not the cache.
 */
const timingSensitive = ['test/integration/failures.test.ts', 'test/integration/load-protection.test.ts']

const shared = {
  globalSetup: ['test/support/global-setup.ts'],
  testTimeout: 30_000,
  hookTimeout: 30_000,
  pool: 'forks' as const,
}

export default defineConfig({
  resolve: {
    // README examples import from 'tiercache'; tests run them against the source.
    alias: { tiercache: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
  },
  test: {
    projects: [
      {
        extends: true,
        test: {
          ...shared,
          name: 'main',
          include: ['test/**/*.test.ts'],
          exclude: timingSensitive,
          // Two cores: integration files each start their own redis-server processes.
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          ...shared,
          name: 'timing',
          include: timingSensitive,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
})
