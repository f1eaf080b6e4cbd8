import { uuidV7 } from '@customer-hub/db';
import { ADDRESS_KINDS, ADDRESS_MAX, CONTACT_SLOTS, CUSTOM_MAX, SCALAR_FIELDS, type ScalarField } from '../fields';
import { checkEmail, checkText, parseCell, splitValues, unescapeCell } from './cells';
import type { Layout } from './layout';

/** Staging table of one customer import (its id is a uuid we made: hex only). */
export const customerStagingOf = (jobRunId: string) => `customer_stage_${jobRunId.replaceAll('-', '')}`;

/** Structured parts: each staged as the parts to set (jsonb) and the parts to clear (text[]). */
const STRUCTURED = [
  ...ADDRESS_KINDS.map((k) => `${k}`),
  ...Array.from({ length: CONTACT_SLOTS }, (_, i) => `contact${i + 1}`),
  'custom',
];

/** The staging table's columns after `line` and `number`, in COPY order. */
export const STAGED_COLUMNS = [
  ...SCALAR_FIELDS.map((f) => f.column),
  ...STRUCTURED.flatMap((s) => [`${s}_set`, `${s}_clear`]),
  'id',
];

export function createStagingSql(stage: string): string {
  const scalars = SCALAR_FIELDS.map((f) => `${f.column} text`);
  const structured = STRUCTURED.map((s) => `${s}_set jsonb, ${s}_clear text[]`);
  // id: the id a new customer gets (made while reading; see uuidV7)
  return `CREATE UNLOGGED TABLE ${stage} (line int NOT NULL, number text COLLATE "C" NOT NULL,
    ${[...scalars, ...structured].join(', ')}, id uuid)`;
}

export interface CellProblem {
  column: string;
  value: string;
  message: string;
}

export type Blank = 'ignore' | 'clear';

/** A Postgres array literal of plain strings. */
const pgArray = (items: string[]) => `{${items.map((i) => `"${i.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;

type PartCheck = 'address' | 'email' | 'phones' | 'custom';

interface Group {
  setSlot: number;
  clearSlot: number;
  /** Each part with its JSON key, quoted once (`"city":`). */
  parts: { part: string; key: string; index: number; check: PartCheck }[];
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: what JSON must escape
const JSON_ESCAPE = /["\\\u0000-\u001f]/;
/** A JSON string literal: most cells need no escaping, and quoting them by hand is cheaper than JSON.stringify. */
const jsonString = (v: string) => (JSON_ESCAPE.test(v) ? JSON.stringify(v) : `"${v}"`);

/** Position of a staged column in a COPY row (after line and number). */
const slotOf = (column: string) => STAGED_COLUMNS.indexOf(column) + 2;
const cellAt = (fields: string[], i: number) => unescapeCell((fields[i] ?? '').trim());

function checkPart(check: PartCheck, v: string): string | null {
  if (check === 'email') return checkEmail(v);
  if (check === 'phones') return checkText(v, 200);
  return checkText(v, check === 'custom' ? CUSTOM_MAX : ADDRESS_MAX);
}

/**
 * Turns data rows into staging values, with the layout worked out once. A scalar is NULL when the file leaves
 * it alone (no column, or a blank cell with blank=ignore) and '' when it is to be cleared; structured parts
 * carry what to set and what to clear. A row with a bad cell gives its first problem instead.
 */
export class RowStager {
  private readonly scalars: { field: ScalarField; index: number; slot: number }[];
  private readonly groups: Group[];
  private readonly nameSlot = slotOf('name');
  private readonly idSlot = slotOf('id');

  constructor(
    private readonly layout: Layout,
    private readonly header: string[],
    private readonly o: { blank: Blank; separator: string; deleting: boolean },
  ) {
    this.scalars = layout.scalars.map((s) => ({ ...s, slot: slotOf(s.field.column) }));
    const group = (name: string, parts: Omit<Group['parts'][number], 'key'>[]): Group => ({
      setSlot: slotOf(`${name}_set`),
      clearSlot: slotOf(`${name}_clear`),
      parts: parts.map((p) => ({ ...p, key: `${JSON.stringify(p.part)}:` })),
    });
    this.groups = [
      ...layout.addresses.map((a) =>
        group(
          a.kind,
          a.parts.map((p) => ({ ...p, check: 'address' as const })),
        ),
      ),
      ...layout.contacts.map((c) =>
        group(
          `contact${c.slot}`,
          c.parts.map((p) => ({
            ...p,
            check:
              p.part === 'email'
                ? ('email' as const)
                : p.part === 'phones'
                  ? ('phones' as const)
                  : ('address' as const),
          })),
        ),
      ),
      group(
        'custom',
        layout.custom.map((c) => ({ part: c.key, index: c.index, check: 'custom' as const })),
      ),
    ].filter((g) => g.parts.length > 0);
  }

  private where(i: number) {
    return `${i + 1} (${this.header[i]?.trim()})`;
  }

  /** The COPY row for a data row (line, number, then {@link STAGED_COLUMNS}), or its first problem. */
  stage(line: number, fields: string[]): (string | null)[] | CellProblem {
    const { layout, o } = this;
    const number = cellAt(fields, layout.key);
    if (number === '') return { column: this.where(layout.key), value: '', message: 'customer number is empty' };
    const numberProblem = checkText(number, 64);
    if (numberProblem) {
      return { column: this.where(layout.key), value: number, message: `customer number ${numberProblem}` };
    }
    const row: (string | null)[] = new Array(STAGED_COLUMNS.length + 2).fill(null);
    row[0] = String(line);
    row[1] = number;
    if (o.deleting) return row;
    row[this.idSlot] = uuidV7();

    for (const { field, index, slot } of this.scalars) {
      const raw = cellAt(fields, index);
      if (raw === '') {
        if (o.blank === 'ignore') continue;
        if (field.required) {
          return { column: this.where(index), value: '', message: `${field.column} can't be blank (blank=clear)` };
        }
        row[slot] = '';
        continue;
      }
      const parsed = parseCell(field, raw, o.separator);
      if (typeof parsed !== 'string') {
        return { column: this.where(index), value: raw, message: `${field.column} ${parsed.error}` };
      }
      row[slot] = parsed;
    }

    if (layout.nameParts.length) {
      let name = '';
      for (const i of layout.nameParts) {
        const part = cellAt(fields, i);
        if (part !== '') name = name ? `${name} ${part}` : part;
      }
      const problem = name === '' ? null : checkText(name, 200);
      if (problem) return { column: this.where(layout.nameParts[0]!), value: name, message: `name ${problem}` };
      if (name !== '') row[this.nameSlot] = name;
    }

    // Each group's parts to set as a JSON object, written as text: one string per group, no object to stringify.
    for (const g of this.groups) {
      let set = '';
      let clear: string[] | null = null;
      for (const { part, key, index, check } of g.parts) {
        const raw = cellAt(fields, index);
        if (raw === '') {
          if (o.blank === 'clear') {
            clear ??= [];
            clear.push(part);
          }
          continue;
        }
        const problem = checkPart(check, raw);
        if (problem)
          return { column: this.where(index), value: raw, message: `${this.header[index]?.trim()} ${problem}` };
        const value =
          check === 'phones' ? `[${splitValues(raw, o.separator).map(jsonString).join(',')}]` : jsonString(raw);
        set += `${set ? ',' : '{'}${key}${value}`;
      }
      if (set) row[g.setSlot] = `${set}}`;
      if (clear) row[g.clearSlot] = pgArray(clear);
    }
    return row;
  }
}
