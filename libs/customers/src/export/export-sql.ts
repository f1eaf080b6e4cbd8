import { type DataSource, sqlRows } from '@customer-hub/db';
import {
  ADDRESS_KINDS,
  ADDRESS_PARTS,
  CONTACT_PARTS,
  CONTACT_SLOTS,
  CUSTOM_PREFIX,
  KEY_COLUMN,
  OTHER_ADDRESS_PARTS,
  OTHER_ADDRESS_SLOTS,
} from '../fields';
import { type Bind, type CustomerFilter, filterSql } from '../profile/customers.service';

/** SQL text literal, for COPY, which takes no bind parameters. */
export const literal = (v: string) => `'${v.replaceAll("'", "''")}'`;
const ident = (v: string) => `"${v.replaceAll('"', '""')}"`;
/** Binds by writing literals (strings, or ISO dates), for the COPY statement. */
export const literalBind: Bind = (v) =>
  Array.isArray(v) ? `ARRAY[${v.map((x) => literal(String(x))).join(',')}]` : literal(String(v));

/** The columns an account's customers need beyond the fixed ones (see {@link exportColumns}). */
export interface ExportShape {
  /** Custom field keys in use (each becomes a `custom:<key>` column), sorted. */
  customKeys: string[];
  /** How many further addresses' column groups: as many as the customer with most has, up to the file's slots. */
  otherAddressSlots: number;
}

/** What the account's customers hold beyond the fixed columns, in one pass over them. */
export async function exportShape(ds: DataSource, accountId: string): Promise<ExportShape> {
  const [row] = await sqlRows<{ keys: string[]; others: number }>(
    ds,
    // Grouped by key (a hash of the few keys there are), each group with the most further addresses it saw.
    `SELECT coalesce(array_agg(key ORDER BY key) FILTER (WHERE key IS NOT NULL), '{}') AS keys,
            coalesce(max(others), 0)::int AS others
     FROM (SELECT k.key, max(jsonb_array_length(c.other_addresses)) AS others
           FROM customers c
           LEFT JOIN LATERAL jsonb_object_keys(CASE WHEN c.custom_fields <> '{}' THEN c.custom_fields END) k(key) ON true
           WHERE c.account_id = $1 GROUP BY k.key) per_key`,
    [accountId],
  );
  return { customKeys: row?.keys ?? [], otherAddressSlots: Math.min(row?.others ?? 0, OTHER_ADDRESS_SLOTS) };
}

/**
 * Each export column as [header, SQL text expression], spelled as the import reads it back (true/false,
 * HH:MM, values joined by `separator`), in the template's order, the further addresses' as many as the account
 * uses, then one column per custom field.
 */
export function exportColumns(shape: ExportShape, separator: string): [string, string][] {
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
  for (let i = 0; i < shape.otherAddressSlots; i++) {
    for (const part of OTHER_ADDRESS_PARTS) {
      cols.push([`other_address${i + 1}_${part}`, `c.other_addresses -> ${i} ->> ${literal(part)}`]);
    }
  }
  for (const key of shape.customKeys) cols.push([`${CUSTOM_PREFIX}${key}`, `c.custom_fields ->> ${literal(key)}`]);
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
