import { type DataSource, sqlRows } from '@customer-hub/db';
import { ADDRESS_KINDS, ADDRESS_PARTS, CONTACT_PARTS, CONTACT_SLOTS, CUSTOM_PREFIX, KEY_COLUMN } from '../fields';
import { type Bind, type CustomerFilter, filterSql } from '../profile/customers.service';

/** SQL text literal, for COPY, which takes no bind parameters. */
export const literal = (v: string) => `'${v.replaceAll("'", "''")}'`;
const ident = (v: string) => `"${v.replaceAll('"', '""')}"`;
/** Binds by writing literals (strings, or ISO dates), for the COPY statement. */
export const literalBind: Bind = (v) =>
  Array.isArray(v) ? `ARRAY[${v.map((x) => literal(String(x))).join(',')}]` : literal(String(v));

/** Custom field keys in use in the account (each becomes a `custom:<key>` column), sorted. */
export async function customKeys(ds: DataSource, accountId: string): Promise<string[]> {
  const rows = await sqlRows<{ key: string }>(
    ds,
    `SELECT DISTINCT jsonb_object_keys(custom_fields) AS key FROM customers
     WHERE account_id = $1 AND custom_fields <> '{}' ORDER BY 1`,
    [accountId],
  );
  return rows.map((r) => r.key);
}

/**
 * Each export column as [header, SQL text expression], spelled as the import reads it back (true/false,
 * HH:MM, values joined by `separator`), in the template's order, then one column per custom field.
 */
export function exportColumns(keys: string[], separator: string): [string, string][] {
  const sep = literal(separator);
  const cols: [string, string][] = [
    [KEY_COLUMN, 'c.customer_number'],
    ['type', 'c.type'],
    ['name', 'c.name'],
    ['contact_name', 'c.contact_name'],
    ['email', 'c.email'],
    ['phone', 'c.phone'],
    ['customer_group', 'g.code'],
    ['pricing_tier', 'c.pricing_tier'],
    ['catalogue', 'k.code'],
    ['payment_terms', 'c.payment_terms'],
    ['cutoff_enabled', 'c.cutoff_enabled::text'],
    ['cutoff_time', `to_char(c.cutoff_time, 'HH24:MI')`],
    ['cutoff_type', 'c.cutoff_type'],
    ['delivery_days', `array_to_string(c.delivery_days, ${sep})`],
    ['labels', `array_to_string(c.labels, ${sep})`],
    ['portal_access', 'c.portal_access::text'],
  ];
  for (const kind of ADDRESS_KINDS) {
    for (const part of ADDRESS_PARTS) cols.push([`${kind}_${part}`, `c.${kind}_address ->> ${literal(part)}`]);
  }
  for (let i = 0; i < CONTACT_SLOTS; i++) {
    for (const part of CONTACT_PARTS) {
      cols.push([
        `contact${i + 1}_${part}`,
        part === 'phones'
          ? // The subquery runs only for a contact that has phones.
            `CASE WHEN c.contacts -> ${i} ? 'phones' THEN (SELECT string_agg(p, ${sep})
               FROM jsonb_array_elements_text(c.contacts -> ${i} -> 'phones') p) END`
          : `c.contacts -> ${i} ->> ${literal(part)}`,
      ]);
    }
  }
  for (const key of keys) cols.push([`${CUSTOM_PREFIX}${key}`, `c.custom_fields ->> ${literal(key)}`]);
  return cols;
}

/** Columns whose values the import has already limited to a fixed spelling: no cell of theirs needs guarding. */
const FIXED_SPELLING = new Set([
  'type',
  'cutoff_enabled',
  'cutoff_time',
  'cutoff_type',
  'delivery_days',
  'portal_access',
]);

/** The export's SELECT: the account's customers matching the filter, each column named by its header. */
export function exportSelect(
  columns: [string, string][],
  accountId: string,
  filter: CustomerFilter,
  bind: Bind,
): string {
  return `SELECT ${columns.map(([h, e]) => `${e} AS ${ident(h)}`).join(', ')}
    FROM customers c
    LEFT JOIN customer_groups g ON g.id = c.group_id
    LEFT JOIN catalogues k ON k.id = c.catalogue_id
    WHERE c.account_id = ${bind(accountId)}::uuid AND ${filterSql(filter, bind)}`;
}

/**
 * `select`'s rows in number order with `cell` (formula-safety for CSV) around each value that could hold free
 * text. The values are computed once, in the subquery (OFFSET 0 keeps the planner from folding it in), so the
 * guard's several references to a value are plain columns, not repeats of its expression (a third less time).
 */
export function guardedExportQuery(columns: [string, string][], select: string, cell: (expr: string) => string) {
  const guarded = columns.map(([h]) =>
    FIXED_SPELLING.has(h) ? `x.${ident(h)}` : `${cell(`x.${ident(h)}`)} AS ${ident(h)}`,
  );
  return `SELECT ${guarded.join(', ')}
    FROM (${select} ORDER BY c.customer_number OFFSET 0) x ORDER BY x.${ident(KEY_COLUMN)}`;
}
