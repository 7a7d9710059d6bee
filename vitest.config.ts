import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

/**
 * Three groups, run one after the other:
 * - most tests, two files at a time (integration files each start their own redis-server processes);
 * - tests that run whole applications as processes (the CLI, the demo, the example service), which
 *   load both cores for a minute;
 * - files that assert on latency (p99 under a stall, recovery within 1 s, loader timings), one at a
 *   time: beside the others they would measure the machine, not the cache.
 */
const processTests = [
  'test/integration/cli-*.test.ts',
  'test/integration/demo.test.ts',
  'test/integration/ecommerce.test.ts',
]
const timingSensitive = [
  'test/integration/failures.test.ts',
  'test/integration/load-protection.test.ts',
  'test/integration/geo-budgets.test.ts',
  'test/integration/redis-cluster-failover.test.ts',
]

export default defineConfig({
  resolve: {
    // README examples import from 'tiercache'; tests run them against the source.
    alias: {
      'tiercache/fastify': fileURLToPath(new URL('./src/integrations/fastify.ts', import.meta.url)),
      'tiercache/keyv': fileURLToPath(new URL('./src/integrations/keyv.ts', import.meta.url)),
      'tiercache/otel': fileURLToPath(new URL('./src/integrations/otel.ts', import.meta.url)),
      'tiercache/geo': fileURLToPath(new URL('./src/entries/geo.ts', import.meta.url)),
      'tiercache/prometheus': fileURLToPath(new URL('./src/entries/prometheus.ts', import.meta.url)),
      'tiercache/policies': fileURLToPath(new URL('./src/entries/policies.ts', import.meta.url)),
      'tiercache/diagnostics': fileURLToPath(new URL('./src/entries/diagnostics.ts', import.meta.url)),
      'tiercache/types': fileURLToPath(new URL('./src/entries/types.ts', import.meta.url)),
      tiercache: fileURLToPath(new URL('./src/index.ts', import.meta.url)),
    },
  },
  test: {
    globalSetup: ['test/support/global-setup.ts', 'test/support/build-cli.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    maxWorkers: 2,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'library',
          include: ['test/**/*.test.ts'],
          exclude: [...processTests, ...timingSensitive],
          sequence: { groupOrder: 0 },
        },
      },
      { extends: true, test: { name: 'processes', include: processTests, sequence: { groupOrder: 1 } } },
      {
        extends: true,
        test: {
          name: 'timing',
          include: timingSensitive,
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
})
