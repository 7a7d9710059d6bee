import { defineConfig } from 'tsup'
import { stripComments } from './build/strip-comments.js'

export default defineConfig([
  {
    // The library and its subpath exports: ESM + CJS with type declarations.
    entry: {
      index: 'src/index.ts',
      keyv: 'src/integrations/keyv.ts',
      fastify: 'src/integrations/fastify.ts',
      otel: 'src/integrations/otel.ts',
      geo: 'src/entries/geo.ts',
      prometheus: 'src/entries/prometheus.ts',
      policies: 'src/entries/policies.ts',
      diagnostics: 'src/entries/diagnostics.ts',
      types: 'src/entries/types.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    // Code the root and a subpath both use (errors, policies, helpers) goes into shared chunks, so a
    // program loads one copy of it: `tiercache/policies`' lruPolicy is the one memoryTier knows, and a
    // subpath's errors are the root's classes. Applies to the CommonJS files too.
    splitting: true,
    // import.meta.url in the CJS files (prometheusMetrics loads prom-client with createRequire).
    shims: true,
    // Subpath modules import the library by its name: at run time that is the package's own entry.
    external: ['tiercache'],
    // Maps point into the sources by path; embedding the sources too tripled the package's size. The
    // package leaves them out (see "files"): they name sources it does not ship.
    esbuildOptions(options) {
      options.sourcesContent = false
    },
    plugins: [stripComments()],
  },
  {
    // The `tiercache` command: ESM only, no declarations. Split so each command loads only when it runs.
    // It imports the library by its name, the package's own entry at run time, rather than bundling a
    // second copy of it; the demo is the tiercache-demo package (packages/demo), loaded by `tiercache demo`.
    entry: { cli: 'src/cli/index.ts' },
    external: ['tiercache', 'tiercache-demo'],
    format: ['esm'],
    sourcemap: true,
    clean: false,
    target: 'node20',
    splitting: true,
    esbuildOptions(options) {
      options.sourcesContent = false
    },
    plugins: [stripComments()],
  },
])
