import { ADDRESS_KINDS, CONTACT_SLOTS, OTHER_ADDRESS_SLOTS } from '../fields';
import type { Layout } from './layout';

/**
 * SQL for what a staged row makes of a customer: each stored column's new value from the staging row `s`, the
 * current customer `c` (all NULL for a new one), its group `g` and catalogue `k` looked up by code. NULL in
 * staging keeps the stored value, '' clears it (to the default where the column has one).
 */
const keepOrClear = (staged: string, current: string, cleared = 'NULL') =>
  `CASE WHEN s.${staged} IS NULL THEN ${current} WHEN s.${staged} = '' THEN ${cleared} ELSE`;

/** A staged structured part leaves the stored one alone unless it sets or clears something. */
const untouched = (part: string) => `s.${part}_set IS NULL AND s.${part}_clear IS NULL`;
const mergeExpr = (current: string, part: string) =>
  `nullif((coalesce(${current}, '{}') || coalesce(s.${part}_set, '{}')) - coalesce(s.${part}_clear, '{}'::text[]), '{}'::jsonb)`;
const merge = (current: string, part: string) =>
  `CASE WHEN ${untouched(part)} THEN ${current} ELSE ${mergeExpr(current, part)} END`;
const split = (staged: string) => `string_to_array(s.${staged}, chr(31))`;

/**
 * A stored array the file fills by position, one column group per slot (`contact2_name` is stored contact 2).
 * `tail`: the array may hold more than the file's slots (further addresses: the API takes more than a file
 * carries), and those after them stay as they are.
 */
interface SlotList {
  column: string;
  /** Each slot's staged part is `<prefix><n>`. */
  prefix: string;
  slots: number;
  tail: boolean;
}

const CONTACT_LIST: SlotList = { column: 'contacts', prefix: 'contact', slots: CONTACT_SLOTS, tail: false };
const OTHER_ADDRESS_LIST: SlotList = {
  column: 'other_addresses',
  prefix: 'other_address',
  slots: OTHER_ADDRESS_SLOTS,
  tail: true,
};

const slotsOf = (l: SlotList) => Array.from({ length: l.slots }, (_, i) => i);

/**
 * A slot list after the row: a row may fill slot 2 and leave slot 1 to the stored one. A slot left empty before
 * a filled one (or before the tail) stays as a JSON null (the API leaves it out), so importing the same file
 * again finds each entry where it put it; empty slots at the end are dropped.
 */
function slotListExpr(l: SlotList): string {
  const slots = slotsOf(l);
  const stored = (i: number) => `nullif(c.${l.column} -> ${i}, 'null'::jsonb)`;
  const slot = (i: number) => {
    const part = `${l.prefix}${i + 1}`;
    return `CASE WHEN ${untouched(part)} THEN ${stored(i)} ELSE ${mergeExpr(stored(i), part)} END`;
  };
  const upTo = (last: number) =>
    `jsonb_build_array(${slots
      .slice(0, last + 1)
      .map(slot)
      .join(', ')})`;
  const byLast = [...slots]
    .reverse()
    .map((i) => `WHEN ${slot(i)} IS NOT NULL THEN ${upTo(i)}`)
    .join(' ');
  const withTail = l.tail
    ? `WHEN jsonb_array_length(c.${l.column}) > ${l.slots}
         THEN ${upTo(l.slots - 1)} || jsonb_path_query_array(c.${l.column}, '$[${l.slots} to last]')`
    : '';
  return `CASE WHEN ${slots.map((i) => untouched(`${l.prefix}${i + 1}`)).join(' AND ')} THEN coalesce(c.${l.column}, '[]')
    ${withTail} ELSE CASE ${byLast} ELSE '[]'::jsonb END END`;
}

export const RESOLVED: [column: string, expr: string][] = [
  ['type', `${keepOrClear('type', "coalesce(c.type, 'business')", "'business'")} s.type END`],
  ['name', `coalesce(nullif(s.name, ''), c.name)`],
  ...['contact_name', 'email', 'phone', 'pricing_tier', 'payment_terms'].map((f): [string, string] => [
    f,
    `${keepOrClear(f, `c.${f}`)} s.${f} END`,
  ]),
  ['group_id', `${keepOrClear('customer_group', 'c.group_id')} g.id END`],
  ['catalogue_id', `${keepOrClear('catalogue', 'c.catalogue_id')} k.id END`],
  [
    'cutoff_enabled',
    `${keepOrClear('cutoff_enabled', 'coalesce(c.cutoff_enabled, false)', 'false')} s.cutoff_enabled::boolean END`,
  ],
  ['cutoff_time', `${keepOrClear('cutoff_time', 'c.cutoff_time')} s.cutoff_time::time END`],
  ['cutoff_type', `${keepOrClear('cutoff_type', "coalesce(c.cutoff_type, 'strict')", "'strict'")} s.cutoff_type END`],
  ['delivery_days', `${keepOrClear('delivery_days', 'c.delivery_days')} ${split('delivery_days')} END`],
  ['labels', `${keepOrClear('labels', "coalesce(c.labels, '{}')", "'{}'")} ${split('labels')} END`],
  [
    'portal_access',
    `${keepOrClear('portal_access', 'coalesce(c.portal_access, false)', 'false')} s.portal_access::boolean END`,
  ],
  ...ADDRESS_KINDS.map((k): [string, string] => [`${k}_address`, merge(`c.${k}_address`, k)]),
  ['contacts', slotListExpr(CONTACT_LIST)],
  ['other_addresses', slotListExpr(OTHER_ADDRESS_LIST)],
  ['custom_fields', `coalesce(${merge('c.custom_fields', 'custom')}, '{}')`],
];

export const resolvedColumns = RESOLVED.map(([c]) => c);

/** The joins that give a staged row `s` its group `g` and catalogue `k`, looked up by code ($1 is the account). */
const codeJoins = `LEFT JOIN customer_groups g ON g.account_id = $1 AND g.code = s.customer_group
  LEFT JOIN catalogues k ON k.account_id = $1 AND k.code = s.catalogue`;

/** The joins that give `c`, `g` and `k` for each staged row `s` ($1 is the account). */
export const resolveJoins = (stage: string) => `${stage} s
  LEFT JOIN customers c ON c.account_id = $1 AND c.customer_number = s.number
  ${codeJoins}`;

/** The staged lines listed in `lines` (a table of `line`) with their group `g` and catalogue `k` ($1 is the account). */
export const stagedLinesJoins = (stage: string, lines: string) => `${lines} u
  JOIN ${stage} s ON s.line = u.line
  ${codeJoins}`;

/** The same, for lines that make a new customer: `c` is all NULL, without a look. */
export const newCustomerJoins = (stage: string, lines: string) =>
  `${stagedLinesJoins(stage, lines)}
  LEFT JOIN customers c ON false`;

/** The stored columns a file with this layout can change (a column it lacks keeps every stored value). */
export function touchedColumns(layout: Layout): Set<string> {
  const stored: Record<string, string> = { customer_group: 'group_id', catalogue: 'catalogue_id' };
  const cols = new Set(layout.scalars.map(({ field }) => stored[field.column] ?? field.column));
  if (layout.nameParts.length) cols.add('name');
  for (const a of layout.addresses) cols.add(`${a.kind}_address`);
  if (layout.contacts.length) cols.add('contacts');
  if (layout.otherAddresses.length) cols.add('other_addresses');
  if (layout.custom.length) cols.add('custom_fields');
  return cols;
}

/**
 * A sufficient condition that a staged structured part leaves the stored object `current` as it is (NULL or false
 * when unsure): `current` already holds every part the row sets, with the same text, and none it clears. A
 * containment test, where building the merged object to compare took most of a re-import's count. Exact for text
 * values only: the staged parts are text, except a contact's phones (an array, compared on its own).
 */
const keepsObject = (current: string, part: string) =>
  `(${current} <> '{}' AND ${current} @> coalesce(s.${part}_set, '{}') AND NOT coalesce(${current} ?| s.${part}_clear, false))`;

/**
 * The same for a slot list: every slot the row touches holds what it sets (a contact's phones in the same order)
 * and none of what it clears, and the stored array is as the merge would rebuild it (no empty slot at the end;
 * no more than the file's slots, unless the list keeps a tail).
 */
function keepsSlotList(l: SlotList): string {
  const slot = (i: number) => {
    const part = `${l.prefix}${i + 1}`;
    const current = `(c.${l.column} -> ${i})`;
    return `(${untouched(part)} OR (${keepsObject(current, part)} AND
      (s.${part}_set -> 'phones' IS NULL OR ${current} -> 'phones' = s.${part}_set -> 'phones')))`;
  };
  const lastFilled = `(c.${l.column} -> -1) <> 'null'`;
  const shape = l.tail
    ? `(jsonb_array_length(c.${l.column}) > ${l.slots} OR ${lastFilled})`
    : `${lastFilled} AND c.${l.column} -> ${l.slots} IS NULL`;
  return `(${shape} AND ${slotsOf(l).map(slot).join(' AND ')})`;
}

const KEEPS: Record<string, string> = {
  ...Object.fromEntries(ADDRESS_KINDS.map((k) => [`${k}_address`, keepsObject(`c.${k}_address`, k)])),
  contacts: keepsSlotList(CONTACT_LIST),
  other_addresses: keepsSlotList(OTHER_ADDRESS_LIST),
  custom_fields: keepsObject('c.custom_fields', 'custom'),
};

/**
 * True when the staged row would change the stored customer (or bring a deleted one back). Only the `touched`
 * columns are compared: the others resolve to their stored values, so comparing them is work that finds nothing.
 * A structured column is merged and compared only when the cheap test ({@link KEEPS}) can't tell it is kept.
 */
export const changesSql = (touched: Set<string>) => {
  const compared = RESOLVED.filter(([col]) => touched.has(col));
  const changes = compared.map(([col, expr]) => {
    const differs = `c.${col} IS DISTINCT FROM ${expr}`;
    return KEEPS[col] ? `CASE WHEN ${KEEPS[col]} THEN false ELSE ${differs} END` : differs;
  });
  return `(${['c.deleted_at IS NOT NULL', ...changes].join(' OR ')})`;
};
