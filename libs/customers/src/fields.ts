/**
 * The customer file's columns: one registry that the import (header matching, cell checks, staging), the export
 * (same columns, same spelling of values) and the template all read, so export → edit → import is a round trip.
 */

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Day = (typeof DAYS)[number];

/**
 * Days once each, Monday first: how every list of days is stored, whoever wrote it (the API, an import), so an
 * export imported back reads the same days as the same list.
 */
export const weekOrder = (days: Iterable<string>): Day[] => {
  const given = new Set(days);
  return DAYS.filter((d) => given.has(d));
};

/**
 * What an export joins a cell's values with (labels, delivery days, a contact's phones), and the import's
 * default separator. No stored label or phone holds it, whatever separator an import was given: an export of
 * one that did would read back as two.
 */
export const LIST_SEPARATOR = '|';

/** Multi-value cells are staged joined by U+001F, which a cell can't hold (control characters are refused). */
export const VALUE_JOIN = '\u001f';

/** A line break in a value is kept as one LF, however it came (CRLF from Windows files and HTML forms, or CR). */
export const lfBreaks = (v: string): string => (v.includes('\r') ? v.replace(/\r\n?/g, '\n') : v);

export type CellKind = 'text' | 'email' | 'enum' | 'bool' | 'time' | 'days' | 'labels' | 'code';

export interface ScalarField {
  /** Header in the template and the export; also the staging column. */
  column: string;
  /** Other headers that mean this column (compared lower-cased, spaces and dashes as underscores). */
  aliases: string[];
  kind: CellKind;
  max: number;
  values?: readonly string[];
  /** A blank cell can't clear it (it has no empty value). */
  required?: boolean;
  description: string;
}

export const KEY_COLUMN = 'customer_number';
export const KEY_ALIASES = ['customer_number', 'customer_no', 'customer_ref', 'customer_reference', 'account_number'];

export const SCALAR_FIELDS: ScalarField[] = [
  {
    column: 'type',
    aliases: ['customer_type'],
    kind: 'enum',
    values: ['business', 'consumer'],
    max: 16,
    description: 'business (default) or consumer',
  },
  {
    column: 'name',
    aliases: ['company', 'company_name', 'customer_name', 'customername'],
    kind: 'text',
    max: 200,
    required: true,
    description: 'Company name, or the person for a consumer (required for a new customer)',
  },
  { column: 'contact_name', aliases: ['contact'], kind: 'text', max: 200, description: 'Main contact person' },
  { column: 'email', aliases: ['e_mail', 'email_address'], kind: 'email', max: 254, description: 'Main email' },
  { column: 'phone', aliases: ['telephone', 'phone_number'], kind: 'text', max: 50, description: 'Main phone' },
  {
    column: 'customer_group',
    aliases: ['group', 'group_code', 'group_id'],
    kind: 'code',
    max: 64,
    description: 'Code of an existing customer group (sets the price list)',
  },
  { column: 'pricing_tier', aliases: ['tier'], kind: 'text', max: 64, description: 'Pricing tier' },
  {
    column: 'catalogue',
    aliases: ['catalogue_code', 'catalog'],
    kind: 'code',
    max: 64,
    description: 'Code of an existing catalogue; blank = the main one',
  },
  { column: 'payment_terms', aliases: ['terms'], kind: 'text', max: 100, description: 'e.g. "30 days net"' },
  {
    column: 'cutoff_enabled',
    aliases: [],
    kind: 'bool',
    max: 5,
    description: 'Order cutoff applies to this customer: true or false (default)',
  },
  { column: 'cutoff_time', aliases: [], kind: 'time', max: 8, description: 'Order cutoff time, HH:MM (24 h)' },
  {
    column: 'cutoff_type',
    aliases: [],
    kind: 'enum',
    values: ['strict', 'flexible'],
    max: 16,
    description: 'strict (default) or flexible',
  },
  {
    column: 'delivery_days',
    aliases: [],
    kind: 'days',
    max: 100,
    description: 'Days of delivery, e.g. "mon|wed|fri"; blank = the account default days',
  },
  { column: 'labels', aliases: ['tags'], kind: 'labels', max: 2000, description: 'Internal labels, e.g. "vip|north"' },
  {
    column: 'portal_access',
    aliases: [],
    kind: 'bool',
    max: 5,
    description: 'May sign in to the customer portal: true or false (default)',
  },
];

/** When a file has no name column, first and last name columns make the name (Magento, Shopify exports). */
export const FIRST_NAME_ALIASES = ['firstname', 'first_name', 'contactfirstname'];
export const LAST_NAME_ALIASES = ['lastname', 'last_name', 'surname', 'contactlastname'];

/** An address column group: `billing_line1`, … */
export const ADDRESS_PARTS = ['company', 'name', 'line1', 'line2', 'city', 'region', 'postcode', 'country', 'phone'];
export const ADDRESS_KINDS = ['billing', 'shipping'] as const;
const ADDRESS_ALIASES: Record<string, string[]> = {
  billing_line1: ['address_line1', 'addressline1', 'address', 'street'],
  billing_line2: ['address_line2', 'addressline2'],
  billing_city: ['city'],
  billing_region: ['region', 'state', 'province'],
  billing_postcode: ['postcode', 'postalcode', 'postal_code', 'zip'],
  billing_country: ['country', 'country_id', 'country_code'],
};
export const ADDRESS_MAX = 200;

/**
 * Further addresses, besides the default billing and shipping ones: `other_address1_label`, `other_address1_line1`,
 * … A file carries the first OTHER_ADDRESS_SLOTS of them, by position; any after those (the API takes up to 20)
 * stay as they are.
 */
export const OTHER_ADDRESS_SLOTS = 3;
export const OTHER_ADDRESS_PARTS = ['label', ...ADDRESS_PARTS];
export const OTHER_ADDRESS_LABEL_MAX = 100;
/** The columns of the first `slots` further addresses. */
export const otherAddressColumns = (slots: number) =>
  Array.from({ length: slots }, (_, i) => OTHER_ADDRESS_PARTS.map((p) => `other_address${i + 1}_${p}`)).flat();

/** Contact column groups: `contact1_name`, `contact1_email`, `contact1_phones` (several, `|`), `contact1_role`. */
export const CONTACT_SLOTS = 3;
export const CONTACT_PARTS = ['name', 'email', 'phones', 'role'] as const;

/** `custom:<key>` columns carry custom fields. */
export const CUSTOM_PREFIX = 'custom:';
export const CUSTOM_KEY = /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/;
export const CUSTOM_MAX = 1000;

export const normaliseHeader = (h: string) =>
  h
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');

/** Every column the template and the export have, in order (custom fields follow, by key). */
export function templateColumns(): string[] {
  return [
    KEY_COLUMN,
    ...SCALAR_FIELDS.map((f) => f.column),
    ...ADDRESS_KINDS.flatMap((k) => ADDRESS_PARTS.map((p) => `${k}_${p}`)),
    ...Array.from({ length: CONTACT_SLOTS }, (_, i) => CONTACT_PARTS.map((p) => `contact${i + 1}_${p}`)).flat(),
    ...otherAddressColumns(1),
  ];
}

/** Header → what it feeds, for every known spelling. */
export function headerTargets(): Map<string, string> {
  const m = new Map<string, string>();
  for (const a of KEY_ALIASES) m.set(a, KEY_COLUMN);
  for (const f of SCALAR_FIELDS) for (const h of [f.column, ...f.aliases]) m.set(h, f.column);
  for (const c of [...templateColumns(), ...otherAddressColumns(OTHER_ADDRESS_SLOTS)]) if (!m.has(c)) m.set(c, c);
  for (const [column, aliases] of Object.entries(ADDRESS_ALIASES)) for (const a of aliases) m.set(a, column);
  return m;
}
