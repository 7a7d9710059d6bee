import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type * as tiercacheSources from '../../src/index.js'

export type TiercacheModule = typeof tiercacheSources

/**
 * Which tiercache the bench runs: `dist`, the built package, as users install it and as every peer is
 * measured (their published JavaScript); or `src`, the TypeScript sources through tsx, whose per-module
 * transform (with its function-naming helpers) costs the miss path about 15 % (quicker to iterate on).
 */
export type TiercacheBuild = 'src' | 'dist'

/** How worker processes (many-processes, stampede) learn which build to load. */
export const BUILD_ENV = 'TIERCACHE_BENCH_BUILD'

const root = fileURLToPath(new URL('../../', import.meta.url))
const distEntry = path.join(root, 'dist', 'index.js')

/** The build a worker process was told to load (see {@link BUILD_ENV}); the built package by default. */
export function workerBuild(): TiercacheBuild {
  return process.env[BUILD_ENV] === 'src' ? 'src' : 'dist'
}

/** Loads tiercache from `build` (for `dist`, see {@link ensureBuilt}). */
export async function loadTiercache(build: TiercacheBuild): Promise<TiercacheModule> {
  if (build === 'src') return (await import('../../src/index.js')) as TiercacheModule
  // A computed specifier keeps the type checker from requiring a build.
  return (await import(new URL('../../dist/index.js', import.meta.url).href)) as TiercacheModule
}

/** Builds the library (tsup) when dist/ is missing or older than the newest file under src/. */
export function ensureBuilt(log: (line: string) => void): void {
  if (existsSync(distEntry) && statSync(distEntry).mtimeMs >= newestSource(path.join(root, 'src'))) return
  log('building the package (dist/ is missing or older than src/)…')
  const built = spawnSync(path.join(root, 'node_modules', '.bin', 'tsup'), {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  if (built.status !== 0) throw new Error('the build failed (see above); run `npm run build` to see why')
}

function newestSource(directory: string): number {
  let newest = 0
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const file = path.join(directory, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestSource(file) : statSync(file).mtimeMs)
  }
  return newest
}
