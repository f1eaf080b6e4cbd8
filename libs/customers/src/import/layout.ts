import {
  ADDRESS_KINDS,
  type CONTACT_PARTS,
  CONTACT_SLOTS,
  CUSTOM_KEY,
  CUSTOM_PREFIX,
  FIRST_NAME_ALIASES,
  headerTargets,
  KEY_COLUMN,
  LAST_NAME_ALIASES,
  normaliseHeader,
  OTHER_ADDRESS_SLOTS,
  SCALAR_FIELDS,
  type ScalarField,
} from '../fields';

/** Why a column of a slot past the last one a file carries (`contact4_name`) is not read. */
function beyondSlots(norm: string): { why: string } | Record<string, never> {
  const m = /^(contact|other_address)(\d+)_/.exec(norm);
  if (!m) return {};
  const [slots, what] = m[1] === 'contact' ? [CONTACT_SLOTS, 'contacts'] : [OTHER_ADDRESS_SLOTS, 'further addresses'];
  return Number(m[2]) > slots ? { why: `a file carries ${slots} ${what}` } : {};
}

/** Where each thing the import reads sits in the file. */
export interface Layout {
  key: number;
  scalars: { field: ScalarField; index: number }[];
  /** `billing` / `shipping` → part → column index. */
  addresses: { kind: (typeof ADDRESS_KINDS)[number]; parts: { part: string; index: number }[] }[];
  contacts: { slot: number; parts: { part: (typeof CONTACT_PARTS)[number]; index: number }[] }[];
  /** The further addresses' slots (1-based) the file has columns for. */
  otherAddresses: { slot: number; parts: { part: string; index: number }[] }[];
  custom: { key: string; index: number }[];
  /** First and last name columns that make the name when there is no name column. */
  nameParts: number[];
  /** Headers the import does not know: warned about, ignored. */
  /** Columns the import doesn't read, each with why where there is more to say than that it is unknown. */
  unknown: { header: string; index: number; why?: string }[];
}

export class LayoutError extends Error {}

/**
 * Reads the header row. `keyColumn` names the column that holds the customer number when the file calls it
 * something else (Magento keys customers by email: `keyColumn=email`); that column still feeds its own field too.
 */
export function layoutOf(header: string[], keyColumn?: string): Layout {
  const targets = headerTargets();
  const seen = new Map<string, number>();
  const layout: Layout = {
    key: -1,
    scalars: [],
    addresses: [],
    contacts: [],
    otherAddresses: [],
    custom: [],
    nameParts: [],
    unknown: [],
  };
  const first: number[] = [];
  const last: number[] = [];
  const addresses = new Map<string, { part: string; index: number }[]>();
  const contacts = new Map<number, { part: (typeof CONTACT_PARTS)[number]; index: number }[]>();
  const others = new Map<number, { part: string; index: number }[]>();
  const wantedKey = keyColumn === undefined ? undefined : normaliseHeader(keyColumn);

  header.forEach((raw, index) => {
    const h = raw.trim();
    if (h.toLowerCase().startsWith(CUSTOM_PREFIX)) {
      const key = h.slice(CUSTOM_PREFIX.length).trim();
      if (!CUSTOM_KEY.test(key)) {
        throw new LayoutError(
          `column ${index + 1} ("${h}"): a custom field key is 1-64 letters, digits, . _ - or space`,
        );
      }
      claim(`${CUSTOM_PREFIX}${key}`, index, h);
      layout.custom.push({ key, index });
      return;
    }
    const norm = normaliseHeader(h);
    if (wantedKey !== undefined && norm === wantedKey) layout.key = index;
    const target = targets.get(norm);
    if (FIRST_NAME_ALIASES.includes(norm)) first.push(index);
    if (LAST_NAME_ALIASES.includes(norm)) last.push(index);
    if (!target && (FIRST_NAME_ALIASES.includes(norm) || LAST_NAME_ALIASES.includes(norm))) return;
    if (!target) {
      if (norm !== wantedKey) layout.unknown.push({ header: h, index, ...beyondSlots(norm) });
      return;
    }
    claim(target, index, h);
    if (target === KEY_COLUMN) {
      if (wantedKey === undefined) layout.key = index;
      return;
    }
    const scalar = SCALAR_FIELDS.find((f) => f.column === target);
    if (scalar) {
      layout.scalars.push({ field: scalar, index });
      return;
    }
    const address = /^(billing|shipping)_(.+)$/.exec(target);
    if (address) {
      const parts = addresses.get(address[1]!) ?? [];
      parts.push({ part: address[2]!, index });
      addresses.set(address[1]!, parts);
      return;
    }
    const contact = /^contact(\d)_(.+)$/.exec(target);
    if (contact) {
      const slot = Number(contact[1]);
      const parts = contacts.get(slot) ?? [];
      parts.push({ part: contact[2] as (typeof CONTACT_PARTS)[number], index });
      contacts.set(slot, parts);
      return;
    }
    const other = /^other_address(\d)_(.+)$/.exec(target);
    if (other) {
      const slot = Number(other[1]);
      others.set(slot, [...(others.get(slot) ?? []), { part: other[2]!, index }]);
    }
  });

  function claim(target: string, index: number, h: string) {
    const earlier = seen.get(target);
    if (earlier !== undefined) {
      throw new LayoutError(
        `columns ${earlier + 1} and ${index + 1} ("${header[earlier]?.trim()}", "${h}") both give ${target}`,
      );
    }
    seen.set(target, index);
  }

  if (layout.key === -1) {
    const found = header.map((h) => `"${h.trim()}"`).join(', ');
    throw new LayoutError(
      wantedKey === undefined
        ? `no customer number column (customer_number, customer_no, customer_ref…); the header has ${found}. ` +
            'Name the column that identifies customers with keyColumn=<header>'
        : `keyColumn=${keyColumn} names no column; the header has ${found}`,
    );
  }
  if (!layout.scalars.some((s) => s.field.column === 'name'))
    layout.nameParts = [...first.slice(0, 1), ...last.slice(0, 1)];
  for (const kind of ADDRESS_KINDS) {
    const parts = addresses.get(kind);
    if (parts) layout.addresses.push({ kind, parts });
  }
  for (let slot = 1; slot <= CONTACT_SLOTS; slot++) {
    const parts = contacts.get(slot);
    if (parts) layout.contacts.push({ slot, parts });
  }
  for (let slot = 1; slot <= OTHER_ADDRESS_SLOTS; slot++) {
    const parts = others.get(slot);
    if (parts) layout.otherAddresses.push({ slot, parts });
  }
  return layout;
}
