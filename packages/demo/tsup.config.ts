import { defineConfig } from 'tsup'

export default defineConfig({
  // The command `tiercache demo` loads, and the application instance each demo run starts as a child
  // process (found next to the command's module, see instance-script.ts).
  entry: { index: 'src/index.ts', instance: 'src/instance.ts' },
  format: ['esm'],
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: true,
  // The library is a peer: the demo runs the user's tiercache, not a copy of its own. The dependencies
  // (PGlite, pg, redis) are external by default; PGlite must be, as it finds its data files next to its
  // own module, not next to a bundle. The CLI helpers the demo shares with the `tiercache` command are
  // bundled.
  external: ['tiercache'],
  esbuildOptions(options) {
    options.sourcesContent = false
  },
})
