import { type EntityManager, sqlRows } from '@customer-hub/db';
import { CustomerRuleError, isUniqueViolation } from '../profile/customers.service';

type Db = EntityManager;

export async function listCatalogues(db: Db, accountId: string) {
  return sqlRows<{ code: string; name: string; main: boolean; products: number; customers: number }>(
    db,
    `SELECT k.code, k.name, k.is_main AS main,
            (SELECT count(*)::int FROM catalogue_products p WHERE p.catalogue_id = k.id) AS products,
            (SELECT count(*)::int FROM customers c WHERE c.catalogue_id = k.id AND c.deleted_at IS NULL) AS customers
     FROM catalogues k WHERE k.account_id = $1 ORDER BY k.is_main DESC, k.code`,
    [accountId],
  );
}

/** Creates a catalogue; `main` makes it the account's main one (the one before stops being main). */
export async function createCatalogue(db: Db, accountId: string, k: { code: string; name: string; main: boolean }) {
  if (k.main) await db.query('UPDATE catalogues SET is_main = false WHERE account_id = $1 AND is_main', [accountId]);
  try {
    await db.query('INSERT INTO catalogues (account_id, code, name, is_main) VALUES ($1, $2, $3, $4)', [
      accountId,
      k.code,
      k.name,
      k.main,
    ]);
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new CustomerRuleError(409, 'code_exists', `A catalogue with the code ${k.code} already exists.`);
    }
    throw err;
  }
  return (await listCatalogues(db, accountId)).find((x) => x.code === k.code)!;
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
  return (await listCatalogues(db, accountId)).find((x) => x.code === code)!;
}

export async function catalogueProducts(db: Db, accountId: string, code: string) {
  return sqlRows<{ product: string }>(
    db,
    `SELECT p.product_code AS product FROM catalogue_products p JOIN catalogues k ON k.id = p.catalogue_id
     WHERE k.account_id = $1 AND k.code = $2 ORDER BY p.product_code LIMIT 10000`,
    [accountId, code],
  );
}
