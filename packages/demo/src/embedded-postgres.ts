import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { homedir } from 'node:os'
import path from 'node:path'
import { CliError } from '../../../src/cli/errors.js'

/** PostgreSQL in this process (PGlite, WASM), served on a local port so other processes can use `pg`. */
export interface EmbeddedPostgres {
  readonly url: string
  /** Runs SQL in the embedded database directly (no socket). */
  exec(sql: string): Promise<void>
  close(): Promise<void>
}

export const MISSING_PGLITE = [
  'the demo embeds PostgreSQL with @electric-sql/pglite and @electric-sql/pglite-socket, and talks to it',
  'with pg; they are dependencies of tiercache-demo, so reinstall it:',
  '  npm install tiercache-demo',
  'or use a PostgreSQL server you run: DATABASE_URL=postgres://user@127.0.0.1:5432/db',
].join('\n')

/**
 * Starts PGlite and its socket server on a free port of 127.0.0.1. A new PGlite runs initdb, which takes
 * several seconds in WASM, so the freshly initialised (empty) cluster is kept as a tarball in the user's
 * cache directory and loaded from there on later runs.
 */
export async function startEmbeddedPostgres(onStatus: (message: string) => void): Promise<EmbeddedPostgres> {
  let pglite: typeof import('@electric-sql/pglite')
  let socket: typeof import('@electric-sql/pglite-socket')
  try {
    pglite = await import('@electric-sql/pglite')
    socket = await import('@electric-sql/pglite-socket')
  } catch {
    throw new CliError(MISSING_PGLITE)
  }
  const snapshot = path.join(cacheDirectory(), `pglite-${pgliteVersion()}-initdb.tar.gz`)
  let db: InstanceType<typeof pglite.PGlite>
  let bytes: Buffer | undefined
  try {
    bytes = readFileSync(snapshot)
  } catch {
    bytes = undefined
  }
  if (bytes) {
    db = await pglite.PGlite.create({ loadDataDir: new Blob([new Uint8Array(bytes)]) })
  } else {
    onStatus('initialising the embedded PostgreSQL (first run only; kept in the cache directory)')
    db = await pglite.PGlite.create()
    await saveSnapshot(snapshot, await db.dumpDataDir('gzip'))
  }
  const server = new socket.PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 256 })
  await server.start()
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    async exec(sql) {
      await db.exec(sql)
    },
    async close() {
      await server.stop()
      await db.close()
    },
  }
}

/** `$TIERCACHE_CACHE_DIR`, else `$XDG_CACHE_HOME/tiercache`, else `~/.cache/tiercache`. */
export function cacheDirectory(): string {
  if (process.env.TIERCACHE_CACHE_DIR) return process.env.TIERCACHE_CACHE_DIR
  return path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'tiercache')
}

async function saveSnapshot(file: string, blob: Blob): Promise<void> {
  try {
    mkdirSync(path.dirname(file), { recursive: true })
    const partial = `${file}.${process.pid}.partial`
    writeFileSync(partial, new Uint8Array(await blob.arrayBuffer()))
    renameSync(partial, file) // atomic: a concurrent run sees the whole file or none
  } catch {
    // A read-only home is no reason to fail the demo; the next run initialises again.
  }
}

function pgliteVersion(): string {
  const require = createRequire(import.meta.url)
  let dir = path.dirname(require.resolve('@electric-sql/pglite'))
  for (let depth = 0; depth < 4; depth++) {
    try {
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: string
        version?: string
      }
      if (manifest.name === '@electric-sql/pglite' && manifest.version) return manifest.version
    } catch {
      // not this directory
    }
    dir = path.dirname(dir)
  }
  return 'unknown'
}
