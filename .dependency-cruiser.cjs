// Import rules for src/: no import cycles (type-only imports included), and layers that only point down.
// `npm run check:layers` runs it; CI runs that after the typecheck.

/**
 * The layers of src/, lowest first. A file belongs to the first layer with a path prefix matching it
 * (a prefix ending in '/' is a folder, any other a file). A file may import from its own layer and the
 * layers listed before it, never from one listed after it.
 */
const LAYERS = [
  { name: 'core', paths: ['src/errors.ts', 'src/keys.ts', 'src/clock.ts', 'src/types/'] },
  { name: 'codec', paths: ['src/codec/'] },
  { name: 'tiers', paths: ['src/tiers/'] },
  { name: 'stack', paths: ['src/stack.ts'] },
  { name: 'load', paths: ['src/load/'] },
  { name: 'sync', paths: ['src/sync/'] },
  { name: 'topology', paths: ['src/topology/'] },
  { name: 'cache', paths: ['src/cache.ts', 'src/cache/'] },
  { name: 'metrics', paths: ['src/metrics/'] },
  { name: 'integrations', paths: ['src/integrations/'] },
  { name: 'index', paths: ['src/index.ts'] },
  { name: 'cli', paths: ['src/cli/'] },
]

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const pathPattern = (prefix) => (prefix.endsWith('/') ? `^${escapeRegExp(prefix)}` : `^${escapeRegExp(prefix)}$`)
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

/** Every file of src/ is in a layer, so that a new file cannot slip past the rules. */
const unlayered = {
  name: 'file-outside-layers',
  comment: 'every file of src/ belongs to a layer: add its path to LAYERS in .dependency-cruiser.cjs',
  severity: 'error',
  from: { path: '^src/', pathNot: LAYERS.map(layerPattern).join('|') },
  to: {},
}

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
    unlayered,
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
