// Import rules for src/: no import cycles (type-only imports included), and layers that only point down.
// `npm run check:layers` runs it; CI runs that after the typecheck.

/**
 * The layers of src/, lowest first. A file may import from its own layer and the layers before it,
 * never from one after it. A path ending in '/' is a folder and everything under it, one ending in '/*'
 * the files directly in a folder, any other path one file.
 */
const LAYERS = [
  // Errors, keys, durations, time and the types shared across the library.
  {
    name: 'core',
    paths: [
      'src/errors.ts',
      'src/keys.ts',
      'src/clock.ts',
      'src/duration.ts',
      'src/entry.ts',
      'src/redact.ts',
      'src/trend.ts',
      'src/bounded-map.ts',
      'src/v8-layout.ts',
      'src/types/',
    ],
  },
  // What the cache reports: events, the health log, diagnostics channels.
  { name: 'events', paths: ['src/cache-events.ts', 'src/health-log.ts', 'src/channels.ts'] },
  { name: 'codec', paths: ['src/codec/'] },
  // The tier contract and what every tier shares (counters, leases, breaker, value protection).
  { name: 'tier', paths: ['src/tiers/*'] },
  // The tiers themselves; Redis connections, scripts, batching and cluster code are the Redis tier's.
  { name: 'tiers', paths: ['src/tiers/memory/', 'src/tiers/redis/'] },
  // One read or write across the ordered tiers.
  { name: 'stack', paths: ['src/stack/'] },
  // Invalidation between processes: bus, client tracking, tag versions.
  { name: 'sync', paths: ['src/sync/'] },
  { name: 'options', paths: ['src/options.ts'] },
  // Loaders: single flight, leases, batching, warming.
  { name: 'load', paths: ['src/load/'] },
  { name: 'cache', paths: ['src/cache.ts', 'src/cache/'] },
  // The package's root entry (`tiercache`).
  { name: 'index', paths: ['src/index.ts'] },
  // Subpath entries and what only they use; they import the root as `tiercache`.
  { name: 'subpaths', paths: ['src/topology/', 'src/metrics/', 'src/integrations/', 'src/entries/'] },
  { name: 'cli', paths: ['src/cli/'] },
]

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const pathPattern = (path) => {
  if (path.endsWith('/*')) return `^${escapeRegExp(path.slice(0, -1))}[^/]+$`
  return path.endsWith('/') ? `^${escapeRegExp(path)}` : `^${escapeRegExp(path)}$`
}
const layerPattern = (layer) => layer.paths.map(pathPattern).join('|')

/** One rule per layer: nothing in it imports from any layer above it. */
const upwardImports = LAYERS.slice(0, -1).map((layer, index) => ({
  name: `layer-${layer.name}-imports-up`,
  comment: `${layer.name} is below ${LAYERS.slice(index + 1)
    .map((above) => above.name)
    .join(', ')}: it may not import from them`,
  severity: 'error',
  from: { path: layerPattern(layer) },
  to: {
    path: LAYERS.slice(index + 1)
      .map(layerPattern)
      .join('|'),
  },
}))

/** The tiers share a layer but not their code: the memory tier imports nothing of the Redis tier's, and back. */
const tiersApart = {
  name: 'tiers-import-each-other',
  comment: 'tiers/memory and tiers/redis are independent: move what both need down to src/tiers/',
  severity: 'error',
  from: { path: '^src/tiers/(memory|redis)/' },
  to: { path: '^src/tiers/(memory|redis)/', pathNot: '^src/tiers/$1/' },
}

/** Every file of src/ is in a layer, so that a new file cannot slip past the rules. */
const unlayeredPaths = { path: '^src/', pathNot: LAYERS.map(layerPattern).join('|') }
const unlayered = [
  {
    name: 'file-outside-layers',
    comment: 'every file of src/ belongs to a layer: add its path to LAYERS in .dependency-cruiser.cjs',
    severity: 'error',
    from: unlayeredPaths,
    to: {},
  },
  {
    name: 'import-of-file-outside-layers',
    comment: 'every file of src/ belongs to a layer: add its path to LAYERS in .dependency-cruiser.cjs',
    severity: 'error',
    from: {},
    to: unlayeredPaths,
  },
]

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'an import cycle (type-only imports count): move the shared part to the lower file',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...upwardImports,
    tiersApart,
    ...unlayered,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
}
