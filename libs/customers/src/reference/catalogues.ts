import { type EntityManager, sqlRows } from '@customer-hub/db';
import { CustomerRuleError, deleteUnused, isUniqueViolation } from '../profile/customers.service';
import type { CatalogueView } from '../views';
import { type PageRequest, pageOf } from './page';

type Db = EntityManager;

/**
 * The account's catalogues (or only the one with `code`) with how many products and customers each has: one
 * catalogue's customers counted through its index, all catalogues' in one pass over the account's customers
 * (as groups are: see listGroups).
 */
export async function listCatalogues(db: Db, accountId: string, code: string | null = null) {
  const used =
    code === null
      ? `LEFT JOIN (SELECT catalogue_id, count(*)::int AS n FROM customers
                    WHERE account_id = $1 AND deleted_at IS NULL AND catalogue_id IS NOT NULL GROUP BY catalogue_id) used
           ON used.catalogue_id = k.id`
      : `LEFT JOIN LATERAL (SELECT count(*)::int AS n FROM customers c
                            WHERE c.catalogue_id = k.id AND c.deleted_at IS NULL) used ON true`;
  return sqlRows<CatalogueView>(
    db,
    `SELECT k.code, k.name, k.is_main AS main,
            (SELECT count(*)::int FROM catalogue_products p WHERE p.catalogue_id = k.id) AS products,
            coalesce(used.n, 0) AS customers
     FROM catalogues k ${used} WHERE k.account_id = $1 AND ($2::text IS NULL OR k.code = $2)
     ORDER BY k.is_main DESC, k.code`,
    [accountId, code],
  );
}

/**
 * Locks the account's catalogues for the caller's transaction, before it changes any of them: two changes of
 * the main one then take turns (each locking only the rows it changes deadlocked, or left two main). NO KEY
 * UPDATE, as the changes themselves need: writers holding a catalogue they assign (FOR KEY SHARE, as its
 * foreign key does) neither wait for it nor hold it up.
 */
const lockCatalogues = (db: Db, accountId: string) =>
  db.query('SELECT 1 FROM catalogues WHERE account_id = $1 FOR NO KEY UPDATE', [accountId]);

/** Makes the catalogue `code` the account's main one, and the one before an additional one (locked first). */
async function makeMain(db: Db, accountId: string, code: string): Promise<void> {
  await db.query('UPDATE catalogues SET is_main = false WHERE account_id = $1 AND is_main AND code <> $2', [
    accountId,
    code,
  ]);
  await db.query('UPDATE catalogues SET is_main = true WHERE account_id = $1 AND code = $2', [accountId, code]);
}

const findCatalogue = async (db: Db, accountId: string, code: string) =>
  (await listCatalogues(db, accountId, code))[0] ?? null;

/** Creates a catalogue, in the caller's transaction; `main` makes it the account's main one. */
export async function createCatalogue(db: Db, accountId: string, k: { code: string; name: string; main: boolean }) {
  try {
    await db.query('INSERT INTO catalogues (account_id, code, name, is_main) VALUES ($1, $2, $3, false)', [
      accountId,
      k.code,
      k.name,
    ]);
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new CustomerRuleError(409, 'code_exists', `A catalogue with the code ${k.code} already exists.`);
    }
    throw err;
  }
  if (k.main) {
    await lockCatalogues(db, accountId);
    await makeMain(db, accountId, k.code);
  }
  return (await findCatalogue(db, accountId, k.code))!;
}

/**
 * Renames a catalogue, or makes it the main one (`main: true`) or an additional one (`main: false`: the account
 * then has no main one until another is made main), in the caller's transaction; null when there is no such one.
 */
export async function updateCatalogue(
  db: Db,
  accountId: string,
  code: string,
  k: { name?: string | undefined; main?: boolean | undefined },
) {
  await lockCatalogues(db, accountId);
  const rows = await sqlRows(
    db,
    `UPDATE catalogues SET name = coalesce($3, name), is_main = is_main AND $4::boolean IS NOT FALSE
     WHERE account_id = $1 AND code = $2 RETURNING id`,
    [accountId, code, k.name ?? null, k.main ?? null],
  );
  if (!rows.length) return null;
  if (k.main === true) await makeMain(db, accountId, code);
  return findCatalogue(db, accountId, code);
}

/** Deletes a catalogue no customer is assigned to, with its product codes; false when there is no such one. */
export async function deleteCatalogue(db: Db, accountId: string, code: string): Promise<boolean> {
  const [k] = await sqlRows<{ id: string; n: number }>(
    db,
    `SELECT k.id, (SELECT count(*)::int FROM customers c WHERE c.account_id = k.account_id AND c.catalogue_id = k.id)
       AS n
     FROM catalogues k WHERE k.account_id = $1 AND k.code = $2`,
    [accountId, code],
  );
  if (!k) return false;
  if (k.n > 0) {
    const inUse = `${k.n} customer(s), deleted ones included, are assigned the catalogue ${code}; assign them another first.`;
    throw new CustomerRuleError(409, 'in_use', inUse);
  }
  await deleteUnused(
    () => db.query('DELETE FROM catalogues WHERE account_id = $1 AND id = $2', [accountId, k.id]),
    `A customer was just assigned the catalogue ${code}; assign it another first.`,
  );
  return true;
}

/** Adds and removes product codes on a catalogue; null when there is no such catalogue. */
export async function editCatalogueProducts(db: Db, accountId: string, code: string, add: string[], remove: string[]) {
  const [k] = await sqlRows<{ id: string }>(db, 'SELECT id FROM catalogues WHERE account_id = $1 AND code = $2', [
    accountId,
    code,
  ]);
  if (!k) return null;
  await db.query(
    `INSERT INTO catalogue_products (account_id, catalogue_id, product_code) SELECT $1, $2, unnest($3::text[])
     ON CONFLICT DO NOTHING`,
    [accountId, k.id, add],
  );
  await db.query(
    'DELETE FROM catalogue_products WHERE account_id = $3 AND catalogue_id = $1 AND product_code = ANY($2::text[])',
    [k.id, remove, accountId],
  );
  return (await findCatalogue(db, accountId, code))!;
}

/** A page of a catalogue's product codes, in order; null when there is no such catalogue. */
export async function catalogueProducts(db: Db, accountId: string, code: string, page: PageRequest) {
  const [k] = await sqlRows<{ id: string }>(db, 'SELECT id FROM catalogues WHERE account_id = $1 AND code = $2', [
    accountId,
    code,
  ]);
  if (!k) return null;
  const rows = await sqlRows<{ product: string }>(
    db,
    `SELECT product_code AS product FROM catalogue_products
     WHERE account_id = $1 AND catalogue_id = $2 AND ($3::text IS NULL OR product_code > $3)
     ORDER BY product_code LIMIT $4`,
    [accountId, k.id, page.after ?? null, page.limit + 1],
  );
  return pageOf(rows, page.limit, (r) => r.product);
}
