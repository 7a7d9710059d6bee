import type pg from 'pg'

export interface Product {
  id: number
  category: number
  name: string
  price_cents: number
  description: string
  version: number
  updated_at: Date
}

export type ProductChanges = Partial<Pick<Product, 'name' | 'price_cents' | 'description' | 'category'>>

/** Creates and fills the products table unless it is there already. */
export async function ensureSchema(
  db: pg.Pool | pg.Client,
  products = 10_000,
  categories = 20,
): Promise<void> {
  await db.query(`
    CREATE TABLE IF NOT EXISTS products (
      id int PRIMARY KEY,
      category int NOT NULL,
      name text NOT NULL,
      price_cents int NOT NULL,
      description text NOT NULL,
      version int NOT NULL DEFAULT 1,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`)
  await db.query('CREATE INDEX IF NOT EXISTS products_category ON products (category, id)')
  await db.query(
    `INSERT INTO products (id, category, name, price_cents, description)
       SELECT i, i % $2, 'Product ' || i, 500 + (i * 7919) % 99500, 'Product ' || i || ', sold by the example shop.'
       FROM generate_series(1, $1) AS i
     ON CONFLICT (id) DO NOTHING`,
    [products, categories],
  )
}

/** The queries the service runs; each is one round trip. */
export function productQueries(db: pg.Pool) {
  return {
    async product(id: number): Promise<Product | null> {
      const { rows } = await db.query<Product>('SELECT * FROM products WHERE id = $1', [id])
      return rows[0] ?? null
    },
    async categoryListing(category: number, limit = 50): Promise<Product[]> {
      const { rows } = await db.query<Product>(
        'SELECT * FROM products WHERE category = $1 ORDER BY id LIMIT $2',
        [category, limit],
      )
      return rows
    },
    /** Updates a product; returns it with the category it had before (a move touches two listings). */
    async update(
      id: number,
      changes: ProductChanges,
    ): Promise<{ product: Product; previousCategory: number } | null> {
      const { rows } = await db.query<Product & { previous_category: number }>(
        `UPDATE products AS p SET
           name = COALESCE($2, p.name),
           price_cents = COALESCE($3, p.price_cents),
           description = COALESCE($4, p.description),
           category = COALESCE($5, p.category),
           version = p.version + 1,
           updated_at = now()
         FROM (SELECT id, category FROM products WHERE id = $1 FOR UPDATE) AS old
         WHERE p.id = old.id
         RETURNING p.*, old.category AS previous_category`,
        [
          id,
          changes.name ?? null,
          changes.price_cents ?? null,
          changes.description ?? null,
          changes.category ?? null,
        ],
      )
      const row = rows[0]
      if (!row) return null
      const { previous_category: previousCategory, ...product } = row
      return { product, previousCategory }
    },
  }
}
