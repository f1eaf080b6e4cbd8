import { type EntityManager, sqlRows } from '@customer-hub/db';
import { binder, type CustomerFilter, CustomerRuleError, filterSql } from '../profile/customers.service';
import type { LabelView } from '../views';
import { holdLabels } from './held-labels';

type Db = EntityManager;

/**
 * The account's labels (or only the one named `name`) with how many customers carry each. One label is counted
 * through the labels index; all of them in one pass over the account's customers, which costs the same however
 * many labels there are (six labels on a million customers: 1.9 s one by one, 0.5 s in one pass).
 */
export async function listLabels(db: Db, accountId: string, name: string | null = null) {
  const used =
    name === null
      ? `LEFT JOIN (SELECT l AS name, count(*)::int AS n FROM customers c, unnest(c.labels) l
                    WHERE c.account_id = $1 AND c.deleted_at IS NULL AND c.labels <> '{}' GROUP BY l) used
           ON used.name = l.name`
      : `LEFT JOIN LATERAL (SELECT count(*)::int AS n FROM customers c
                            WHERE c.account_id = $1 AND c.labels @> ARRAY[l.name] AND c.deleted_at IS NULL) used ON true`;
  return sqlRows<LabelView>(
    db,
    `SELECT l.name, coalesce(used.n, 0) AS customers FROM labels l ${used}
     WHERE l.account_id = $1 AND ($2::text IS NULL OR l.name = $2) ORDER BY l.name`,
    [accountId, name],
  );
}

const findLabel = async (db: Db, accountId: string, name: string) => (await listLabels(db, accountId, name))[0]!;

/** Creates a label (one that exists already stays as it is), as listed. */
export async function createLabel(db: Db, accountId: string, name: string) {
  await db.query('INSERT INTO labels (account_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING', [accountId, name]);
  return findLabel(db, accountId, name);
}

/**
 * How many customers carry a label, deleted ones included (a rename or delete changes them too); null when the
 * account has no such label.
 */
export async function labelUse(db: Db, accountId: string, name: string): Promise<number | null> {
  const [row] = await sqlRows<{ n: number }>(
    db,
    `SELECT (SELECT count(*)::int FROM customers c WHERE c.account_id = l.account_id AND c.labels @> ARRAY[l.name]) AS n
     FROM labels l WHERE l.account_id = $1 AND l.name = $2`,
    [accountId, name],
  );
  return row ? row.n : null;
}

/** Refuses a rename onto a label that exists already (a 409). */
export async function checkRenameTarget(db: Db, accountId: string, from: string, to: string): Promise<void> {
  if (from === to) return;
  const [taken] = await sqlRows(db, 'SELECT 1 FROM labels WHERE account_id = $1 AND name = $2', [accountId, to]);
  if (taken) throw new CustomerRuleError(409, 'label_exists', `The label ${to} already exists.`);
}

/** Renames a label everywhere it is used, in the caller's transaction; null when there is no such label. */
export async function renameLabel(db: Db, accountId: string, from: string, to: string) {
  const [exists] = await sqlRows(db, 'SELECT 1 FROM labels WHERE account_id = $1 AND name = $2', [accountId, from]);
  if (!exists) return null;
  await checkRenameTarget(db, accountId, from, to);
  await db.query('UPDATE labels SET name = $3 WHERE account_id = $1 AND name = $2', [accountId, from, to]);
  await db.query(
    `UPDATE customers SET labels = ARRAY(SELECT DISTINCT unnest(array_replace(labels, $2::text, $3::text)) ORDER BY 1),
       updated_at = now()
     WHERE account_id = $1 AND labels @> ARRAY[$2::text]`,
    [accountId, from, to],
  );
  return findLabel(db, accountId, to);
}

/** Deletes a label and takes it off every customer (after any writer holding it: see {@link holdLabelsSql} in held-labels.ts). */
export async function deleteLabel(db: Db, accountId: string, name: string) {
  const rows = await sqlRows(db, 'DELETE FROM labels WHERE account_id = $1 AND name = $2 RETURNING name', [
    accountId,
    name,
  ]);
  await db.query(
    `UPDATE customers SET labels = array_remove(labels, $2::text), updated_at = now()
     WHERE account_id = $1 AND labels @> ARRAY[$2::text]`,
    [accountId, name],
  );
  return rows.length > 0;
}

export type LabelSelection = { customerRefs: string[] } | { filter: CustomerFilter };

/** SQL condition and params ($1 = account, from $first on) choosing the customers of a bulk label edit. */
export function selectionSql(s: LabelSelection, first: number) {
  const { bind, params } = binder(first);
  const sql =
    'customerRefs' in s ? `c.customer_number = ANY(${bind(s.customerRefs)}::text[])` : filterSql(s.filter, bind);
  return { sql, params };
}

export async function countSelection(db: Db, accountId: string, s: LabelSelection): Promise<number> {
  const where = selectionSql(s, 2);
  const [row] = await sqlRows<{ n: number }>(
    db,
    `SELECT count(*)::int AS n FROM customers c WHERE c.account_id = $1 AND ${where.sql}`,
    [accountId, ...where.params],
  );
  return row!.n;
}

/** The numbers among `refs` that name none of the account's customers, in the order given. */
export async function unknownRefs(db: Db, accountId: string, refs: string[]): Promise<string[]> {
  const rows = await sqlRows<{ ref: string }>(
    db,
    `SELECT u.ref FROM unnest($2::text[]) WITH ORDINALITY u(ref, i)
     WHERE NOT EXISTS (SELECT FROM customers c WHERE c.account_id = $1 AND c.customer_number = u.ref) ORDER BY u.i`,
    [accountId, refs],
  );
  return rows.map((r) => r.ref);
}

/** Adds and removes labels on the chosen customers, set-based; returns how many changed. */
export async function editLabels(db: Db, accountId: string, s: LabelSelection, add: string[], remove: string[]) {
  await holdLabels(db, accountId, add);
  const where = selectionSql(s, 4);
  const rows = await sqlRows<{ id: string }>(
    db,
    `WITH next AS (
       SELECT c.id, ARRAY(SELECT DISTINCT l FROM unnest(c.labels || $2::text[]) l WHERE l <> ALL($3::text[]) ORDER BY 1) AS labels
       FROM customers c WHERE c.account_id = $1 AND ${where.sql})
     UPDATE customers c SET labels = next.labels, updated_at = now() FROM next
     WHERE c.account_id = $1 AND c.id = next.id AND c.labels IS DISTINCT FROM next.labels RETURNING c.id`,
    [accountId, add, remove, ...where.params],
  );
  return rows.length;
}
