import { CliError, errorMessage } from '../../../src/cli/errors.js'
import { MISSING_PGLITE, startEmbeddedPostgres } from './embedded-postgres.js'

/** The demo's products table, seeded and reachable through `url` by every instance. */
export interface DemoDatabase {
  readonly kind: 'embedded (PGlite)' | 'PostgreSQL'
  readonly url: string
  readonly table: string
  close(): Promise<void>
}

/**
 * The products table: 500 products per category, a description long enough to look like a product
 * page, and a version every update increments (what the stale read check compares).
 */
function schemaSql(table: string, products: number, categories: number): string {
  return `
    CREATE TABLE ${table} (
      id int PRIMARY KEY,
      category int NOT NULL,
      name text NOT NULL,
      price_cents int NOT NULL,
      description text NOT NULL,
      version int NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    INSERT INTO ${table} (id, category, name, price_cents, description, version)
      SELECT i, i % ${categories}, 'Product ' || i, 500 + (i * 7919) % 99500,
             'Product ' || i || ': ' || repeat('well made, ships within a day. ', 6), 1
      FROM generate_series(1, ${products}) AS i;
    CREATE INDEX ${table}_category ON ${table} (category, id);
    ANALYZE ${table};`
}

/**
 * With `databaseUrl`, a table of our own (dropped at the end) in that PostgreSQL; else PGlite in this
 * process behind a local socket. Seeding is one INSERT … SELECT over generate_series.
 */
export async function openDatabase(options: {
  databaseUrl: string | undefined
  products: number
  categories: number
  onStatus: (message: string) => void
}): Promise<DemoDatabase> {
  const { databaseUrl, products, categories, onStatus } = options
  if (databaseUrl === undefined) {
    const embedded = await startEmbeddedPostgres(onStatus)
    try {
      onStatus(`seeding ${products.toLocaleString('en-US')} products`)
      await embedded.exec(schemaSql('products', products, categories))
    } catch (error) {
      await embedded.close()
      throw error
    }
    return { kind: 'embedded (PGlite)', url: embedded.url, table: 'products', close: () => embedded.close() }
  }
  const table = `tiercache_demo_${process.pid}_${Date.now() % 1_000_000}`
  const pg = await loadPg()
  const admin = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 })
  try {
    await admin.connect()
  } catch (error) {
    await admin.end().catch(() => undefined)
    throw new CliError(
      `cannot reach PostgreSQL at DATABASE_URL (${redact(databaseUrl)}): ${errorMessage(error)}`,
    )
  }
  try {
    onStatus(`seeding ${products.toLocaleString('en-US')} products into ${table}`)
    await admin.query(schemaSql(table, products, categories))
  } catch (error) {
    await admin.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined)
    await admin.end()
    throw error
  }
  return {
    kind: 'PostgreSQL',
    url: databaseUrl,
    table,
    async close() {
      await admin.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined)
      await admin.end().catch(() => undefined)
    },
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')
}

async function loadPg(): Promise<typeof import('pg')['default']> {
  try {
    return (await import('pg')).default
  } catch {
    throw new CliError(MISSING_PGLITE)
  }
}
