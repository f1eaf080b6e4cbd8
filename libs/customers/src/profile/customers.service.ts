import { type DataSource, type EntityManager, sqlRows } from '@customer-hub/db';
import { weekOrder } from '../fields';
import { holdLabels } from '../reference/held-labels';
import { type PageRequest, pageOf } from '../reference/page';
import type { NumberChangeView } from '../views';
import { type CustomerRow, presentCustomer } from './present';
import type { CreateCustomer, PatchCustomer } from './schema';

type Db = DataSource | EntityManager;

/** A rule of the customer domain was broken: the API answers with its status and code. */
export class CustomerRuleError extends Error {
  constructor(
    readonly status: 404 | 409 | 422,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A customer with their group's and catalogue's codes, and what the account gives those who have none of their own. */
export const CUSTOMER_SELECT = `SELECT c.*, g.code AS group_code, k.code AS catalogue_code,
    main.code AS main_catalogue_code, a.delivery_days AS account_delivery_days
  FROM customers c
  JOIN accounts a ON a.id = c.account_id
  LEFT JOIN customer_groups g ON g.id = c.group_id
  LEFT JOIN catalogues k ON k.id = c.catalogue_id
  LEFT JOIN catalogues main ON main.account_id = c.account_id AND main.is_main`;

/** The customer with this number in the account (deleted ones too), or null. */
export async function findCustomer(db: Db, accountId: string, number: string): Promise<CustomerRow | null> {
  const [row] = await sqlRows<CustomerRow>(
    db,
    `${CUSTOMER_SELECT} WHERE c.account_id = $1 AND c.customer_number = $2`,
    [accountId, number],
  );
  return row ?? null;
}

export async function getCustomer(db: Db, accountId: string, number: string) {
  const row = await findCustomer(db, accountId, number);
  return row ? presentCustomer(row) : null;
}

export interface CustomerFilter {
  group?: string;
  label?: string;
  catalogue?: string;
  /** A prefix of the number, the name or the email (case-insensitive for name and email). */
  search?: string;
  updatedSince?: Date | string;
  deleted?: boolean;
}

/** Makes a value part of SQL: a bind parameter (`$n`) or, for COPY, a literal. */
export type Bind = (value: unknown) => string;

/** Binds values as `$first`, `$first+1`, …, collecting them in `params`. */
export function binder(first: number) {
  const params: unknown[] = [];
  const bind: Bind = (v) => {
    params.push(v);
    return `$${first + params.length - 1}`;
  };
  return { bind, params };
}

/** SQL conditions for a filter; `c` is the customers table. */
export function filterSql(f: CustomerFilter, bind: Bind): string {
  const conds: string[] = [f.deleted ? 'c.deleted_at IS NOT NULL' : 'c.deleted_at IS NULL'];
  if (f.group) {
    conds.push(
      `c.group_id = (SELECT id FROM customer_groups WHERE account_id = c.account_id AND code = ${bind(f.group)})`,
    );
  }
  if (f.catalogue) {
    conds.push(
      `c.catalogue_id = (SELECT id FROM catalogues WHERE account_id = c.account_id AND code = ${bind(f.catalogue)})`,
    );
  }
  if (f.label) conds.push(`c.labels @> ARRAY[${bind(f.label)}::text]`);
  if (f.search) {
    const like = (text: string) => bind(`${text.replace(/[\\%_]/g, '\\$&')}%`);
    const prefix = like(f.search.toLowerCase());
    // A number's prefix as typed, or in capitals as codes mostly are (`c10` finds C1001): both are ranges of
    // the number's own index, where a case-blind match would need one more index for every import to keep up.
    const upper = f.search.toUpperCase();
    const numbers = [f.search, ...(upper === f.search ? [] : [upper])].map((n) => `c.customer_number LIKE ${like(n)}`);
    conds.push(`(${numbers.join(' OR ')} OR lower(c.name) LIKE ${prefix} OR lower(c.email) LIKE ${prefix})`);
  }
  if (f.updatedSince) conds.push(`c.updated_at >= ${bind(new Date(f.updatedSince).toISOString())}::timestamptz`);
  return conds.join(' AND ');
}

/** A page of customers by number; `after` is the last number of the previous page. */
export async function listCustomers(db: Db, accountId: string, f: CustomerFilter, page: PageRequest) {
  const { bind, params } = binder(4);
  const rows = await sqlRows<CustomerRow>(
    db,
    `${CUSTOMER_SELECT} WHERE c.account_id = $1 AND ($2::text IS NULL OR c.customer_number > $2) AND ${filterSql(f, bind)}
     ORDER BY c.customer_number LIMIT $3`,
    [accountId, page.after ?? null, page.limit + 1, ...params],
  );
  return pageOf(rows.map(presentCustomer), page.limit, (c) => c.number);
}

/**
 * The id of the group or catalogue with `code`, held (as its foreign key would hold it) until the caller's
 * transaction ends: one being deleted meanwhile is waited for, and then unknown, never a refused write.
 */
async function idByCode(db: Db, table: 'customer_groups' | 'catalogues', accountId: string, code: string | null) {
  if (code === null) return null;
  const [row] = await sqlRows<{ id: string }>(
    db,
    `SELECT id FROM ${table} WHERE account_id = $1 AND code = $2 FOR KEY SHARE`,
    [accountId, code],
  );
  if (!row) {
    const what = table === 'catalogues' ? 'catalogue' : 'customer group';
    throw new CustomerRuleError(422, 'unknown_code', `No ${what} has the code ${code}.`);
  }
  return row.id;
}

/** Column → value for the parts of a profile the caller gave (undefined = not given). */
async function columnsOf(db: Db, accountId: string, p: PatchCustomer, current: CustomerRow | null) {
  const cols: Record<string, unknown> = {};
  const set = (col: string, v: unknown) => {
    if (v !== undefined) cols[col] = v;
  };
  // An empty text is no value: NULL, as an import stores a blank cell (an export writes both the same).
  const setText = (col: string, v: string | null | undefined) => set(col, v === '' ? null : v);
  set('type', p.type);
  set('name', p.name);
  setText('contact_name', p.contactName);
  set('email', p.email);
  setText('phone', p.phone);
  if (p.group !== undefined) cols.group_id = await idByCode(db, 'customer_groups', accountId, p.group);
  if (p.catalogue !== undefined) cols.catalogue_id = await idByCode(db, 'catalogues', accountId, p.catalogue);
  setText('pricing_tier', p.pricingTier);
  setText('payment_terms', p.paymentTerms);
  set('cutoff_enabled', p.cutoff?.enabled);
  set('cutoff_time', p.cutoff?.time);
  set('cutoff_type', p.cutoff?.type);
  if (p.deliveryDays !== undefined) cols.delivery_days = p.deliveryDays && weekOrder(p.deliveryDays);
  if (p.labels !== undefined) cols.labels = [...new Set(p.labels)].sort();
  if (p.addresses?.billing !== undefined) cols.billing_address = partsOrNull(p.addresses.billing);
  if (p.addresses?.shipping !== undefined) cols.shipping_address = partsOrNull(p.addresses.shipping);
  if (p.addresses?.other !== undefined) {
    cols.other_addresses = JSON.stringify(p.addresses.other.map(parts).filter((a) => Object.keys(a).length));
  }
  if (p.contacts !== undefined) cols.contacts = JSON.stringify(contactSlots(p.contacts));
  set('portal_access', p.portalAccess);
  if (p.customFields !== undefined) {
    const merged: Record<string, string> = { ...(current?.custom_fields ?? {}) };
    for (const [k, v] of Object.entries(p.customFields)) {
      if (v === null || v === '') delete merged[k];
      else merged[k] = v;
    }
    cols.custom_fields = JSON.stringify(merged);
  }
  return cols;
}

/**
 * An address's or contact's parts that hold something: an empty text or list is no part, as a blank cell is in
 * an import, so the customer reads back the same from an export whoever wrote it.
 */
const parts = (o: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(o).filter(([, v]) => v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0)),
  );

/** An address as stored: its parts as JSON, or NULL when none holds anything. */
function partsOrNull(a: Record<string, unknown> | null): string | null {
  const kept = a && parts(a);
  return kept && Object.keys(kept).length ? JSON.stringify(kept) : null;
}

/** Contacts keep their slots (see the import): an empty one before a filled one is null, none at the end. */
function contactSlots(contacts: Record<string, unknown>[]): (Record<string, unknown> | null)[] {
  const slots = contacts.map((c) => {
    const kept = parts(c);
    return Object.keys(kept).length ? kept : null;
  });
  while (slots.length && slots.at(-1) === null) slots.pop();
  return slots;
}

async function registerLabels(db: Db, accountId: string, labels: unknown) {
  if (Array.isArray(labels)) await holdLabels(db, accountId, labels);
}

/** Postgres refused the statement with `code`, whether or not TypeORM wrapped the error. */
const refusedWith = (err: unknown, code: string) =>
  (err as { code?: string; driverError?: { code?: string } }).driverError?.code === code ||
  (err as { code?: string }).code === code;

/** A unique constraint refused the write (Postgres 23505). */
export const isUniqueViolation = (err: unknown) => refusedWith(err, '23505');

/** A foreign key refused the write (Postgres 23503): a delete of something still referred to, say. */
export const isForeignKeyViolation = (err: unknown) => refusedWith(err, '23503');

/**
 * Deletes with `remove`, a group or catalogue the caller found unused: a customer given it since (before the
 * delete) makes the foreign key refuse it, and that is the same 409 as one found in use.
 */
export async function deleteUnused(remove: () => Promise<unknown>, inUse: string): Promise<void> {
  try {
    await remove();
  } catch (err) {
    if (isForeignKeyViolation(err)) throw new CustomerRuleError(409, 'in_use', inUse);
    throw err;
  }
}

/**
 * Refuses a number another customer holds, deleted ones too (the number stays theirs, so they can be restored):
 * GET answers 404 for a deleted one, so the refusal says which it is and what to do.
 */
async function assertNumberFree(m: EntityManager, accountId: string, number: string): Promise<void> {
  const [held] = await m.query(
    'SELECT deleted_at IS NOT NULL AS deleted FROM customers WHERE account_id = $1 AND customer_number = $2',
    [accountId, number],
  );
  if (held) throw numberTaken(number, held.deleted);
}

function numberTaken(number: string, deleted: boolean): CustomerRuleError {
  return new CustomerRuleError(
    409,
    'customer_exists',
    deleted
      ? `A deleted customer has the number ${number}: restore it (POST /v1/customers/${encodeURIComponent(number)}` +
          '/restore) or give this customer another number.'
      : `A customer with the number ${number} already exists.`,
  );
}

export async function createCustomer(m: EntityManager, accountId: string, input: CreateCustomer) {
  const cols: Record<string, unknown> = {
    customer_number: input.number,
    ...(await columnsOf(m, accountId, input, null)),
  };
  await assertNumberFree(m, accountId, input.number);
  const names = Object.keys(cols);
  try {
    await m.query(
      `INSERT INTO customers (account_id, ${names.join(', ')}) VALUES ($1, ${names.map((_, i) => `$${i + 2}`).join(', ')})`,
      [accountId, ...Object.values(cols)],
    );
  } catch (err) {
    if (isUniqueViolation(err)) throw numberTaken(input.number, false);
    throw err;
  }
  await registerLabels(m, accountId, cols.labels);
  return (await getCustomer(m, accountId, input.number))!;
}

/** Changes what the patch gives; a new number is checked for clashes and recorded with who changed it. */
export async function patchCustomer(
  m: EntityManager,
  accountId: string,
  number: string,
  patch: PatchCustomer,
  userId: string,
) {
  const current = await findCustomer(m, accountId, number);
  if (!current || current.deleted_at) return null;
  const cols = await columnsOf(m, accountId, patch, current);
  const renamed = patch.number !== undefined && patch.number !== number;
  if (renamed) {
    await assertNumberFree(m, accountId, patch.number!);
    cols.customer_number = patch.number;
  }
  const names = Object.keys(cols);
  if (names.length) {
    try {
      await m.query(
        `UPDATE customers SET ${names.map((n, i) => `${n} = $${i + 3}`).join(', ')}, updated_at = now()
         WHERE account_id = $1 AND id = $2`,
        [accountId, current.id, ...Object.values(cols)],
      );
    } catch (err) {
      if (isUniqueViolation(err)) throw numberTaken(patch.number!, false);
      throw err;
    }
  }
  if (renamed) {
    await m.query(
      `INSERT INTO customer_number_changes (account_id, customer_id, old_number, new_number, changed_by)
       VALUES ($1, $2, $3, $4, $5)`,
      [accountId, current.id, number, patch.number, userId],
    );
  }
  await registerLabels(m, accountId, cols.labels);
  return getCustomer(m, accountId, renamed ? patch.number! : number);
}

/** Soft delete (deleted = true) or restore; false when there is no such customer. */
export async function setDeleted(db: Db, accountId: string, number: string, deleted: boolean): Promise<boolean> {
  const rows = await sqlRows<{ id: string }>(
    db,
    `UPDATE customers SET deleted_at = CASE WHEN $3 THEN coalesce(deleted_at, now()) END, updated_at = now()
     WHERE account_id = $1 AND customer_number = $2 RETURNING id`,
    [accountId, number, deleted],
  );
  return rows.length > 0;
}

export async function numberChanges(db: Db, accountId: string, customerId: string): Promise<NumberChangeView[]> {
  const rows = await sqlRows<{ old_number: string; new_number: string; changed_by: string | null; changed_at: Date }>(
    db,
    `SELECT old_number, new_number, changed_by, changed_at FROM customer_number_changes
     WHERE account_id = $1 AND customer_id = $2 ORDER BY id`,
    [accountId, customerId],
  );
  return rows.map((r) => ({ from: r.old_number, to: r.new_number, by: r.changed_by, at: r.changed_at.toISOString() }));
}
