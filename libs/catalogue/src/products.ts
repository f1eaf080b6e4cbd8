import { type DataSource, sqlRows } from '@customer-hub/db';

export interface ProductView {
  code: string;
  name: string;
  data: Record<string, string>;
  updatedAt: string;
}

/** Product data columns of the account, in the order they were first imported. */
export async function productColumns(ds: DataSource, accountId: string): Promise<string[]> {
  const rows = await sqlRows<{ name: string }>(
    ds,
    'SELECT name FROM product_columns WHERE account_id = $1 ORDER BY position',
    [accountId],
  );
  return rows.map((r) => r.name);
}

/** A page of products ordered by code, optionally filtered by a code (as typed, or in capitals) or name prefix. */
export async function listProducts(
  ds: DataSource,
  accountId: string,
  q: { search?: string; after?: string; limit: number },
) {
  const rows = await sqlRows<{ code: string; name: string; data: Record<string, string>; updated_at: Date }>(
    ds,
    `SELECT code, name, data, updated_at FROM products
     WHERE account_id = $1
       AND ($2::text IS NULL OR code LIKE $2 || '%' OR code LIKE upper($2) || '%' OR lower(name) LIKE lower($2) || '%')
       AND ($3::text IS NULL OR code > $3 COLLATE "C")
     ORDER BY code LIMIT $4`,
    [accountId, q.search ? q.search.replace(/[\\%_]/g, '\\$&') : null, q.after ?? null, q.limit + 1],
  );
  const items = rows.slice(0, q.limit).map(present);
  return { items, nextCursor: rows.length > q.limit ? (items.at(-1)?.code ?? null) : null };
}

export async function getProduct(ds: DataSource, accountId: string, code: string): Promise<ProductView | null> {
  const [row] = await sqlRows<{ code: string; name: string; data: Record<string, string>; updated_at: Date }>(
    ds,
    'SELECT code, name, data, updated_at FROM products WHERE account_id = $1 AND code = $2',
    [accountId, code],
  );
  return row ? present(row) : null;
}

const present = (r: { code: string; name: string; data: Record<string, string>; updated_at: Date }): ProductView => ({
  code: r.code,
  name: r.name,
  data: r.data,
  updatedAt: r.updated_at.toISOString(),
});
