import { defineConfig } from 'tsup'

/**
 * The demo's database clients: development dependencies, not the library's, loaded from the user's
 * installation when `tiercache demo` runs. Never bundled: PGlite finds its data files next to its own
 * module, not next to a bundle.
 */
export const DEMO_PACKAGES = ['@electric-sql/pglite', '@electric-sql/pglite-socket', 'pg']

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
    // Maps point into the sources by path; embedding the sources too tripled the package's size.
    esbuildOptions(options) {
      options.sourcesContent = false
    },
  },
  {
    // The `tiercache` command and the demo's instance process: ESM only, no declarations. Split so the
    // demo (and its optional database clients) load only when the demo runs.
    entry: { cli: 'src/cli/index.ts', 'demo-instance': 'src/cli/demo/instance.ts' },
    external: DEMO_PACKAGES,
    format: ['esm'],
    sourcemap: true,
    clean: false,
    target: 'node20',
    splitting: true,
    esbuildOptions(options) {
      options.sourcesContent = false
    },
  },
])
