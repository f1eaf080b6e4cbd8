import { ADDRESS_KINDS, ADDRESS_MAX, CONTACT_SLOTS, CUSTOM_MAX, SCALAR_FIELDS } from '../fields';
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
];

export function createStagingSql(stage: string): string {
  const scalars = SCALAR_FIELDS.map((f) => `${f.column} text`);
  const structured = STRUCTURED.map((s) => `${s}_set jsonb, ${s}_clear text[]`);
  return `CREATE UNLOGGED TABLE ${stage} (line int NOT NULL, number text COLLATE "C" NOT NULL,
    ${[...scalars, ...structured].join(', ')})`;
}

export interface CellProblem {
  column: string;
  value: string;
  message: string;
}

export type Blank = 'ignore' | 'clear';

/** A Postgres array literal of plain strings. */
const pgArray = (items: string[]) => `{${items.map((i) => `"${i.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;

/**
 * One data row → its staging values, or the first problem with it. A scalar is NULL when the file leaves it
 * alone (no column, or a blank cell with blank=ignore) and '' when it is to be cleared; structured parts carry
 * what to set and what to clear.
 */
export function stageRow(
  fields: string[],
  layout: Layout,
  header: string[],
  o: { blank: Blank; separator: string; deleting: boolean },
): { number: string; values: (string | null)[] } | CellProblem {
  const cell = (i: number) => unescapeCell((fields[i] ?? '').trim());
  const where = (i: number) => `${i + 1} (${header[i]?.trim()})`;
  const number = cell(layout.key);
  if (number === '') return { column: where(layout.key), value: '', message: 'customer number is empty' };
  const numberProblem = checkText(number, 64);
  if (numberProblem) return { column: where(layout.key), value: number, message: `customer number ${numberProblem}` };
  if (o.deleting) return { number, values: STAGED_COLUMNS.map(() => null) };

  const values = new Map<string, string | null>();
  for (const { field, index } of layout.scalars) {
    const raw = cell(index);
    if (raw === '') {
      if (o.blank === 'ignore') continue;
      if (field.required) {
        return { column: where(index), value: '', message: `${field.column} can't be blank (blank=clear)` };
      }
      values.set(field.column, '');
      continue;
    }
    const parsed = parseCell(field, raw, o.separator);
    if ('error' in parsed) return { column: where(index), value: raw, message: `${field.column} ${parsed.error}` };
    values.set(field.column, parsed.value);
  }

  if (layout.nameParts.length) {
    const name = layout.nameParts
      .map(cell)
      .filter((p) => p !== '')
      .join(' ');
    const problem = name === '' ? null : checkText(name, 200);
    if (problem) return { column: where(layout.nameParts[0]!), value: name, message: `name ${problem}` };
    if (name !== '') values.set('name', name);
  }

  const structured = (
    name: string,
    parts: { part: string; index: number }[],
    check: (p: string, v: string) => string | null,
  ) => {
    const set: Record<string, unknown> = {};
    const clear: string[] = [];
    for (const { part, index } of parts) {
      const raw = cell(index);
      if (raw === '') {
        if (o.blank === 'clear') clear.push(part);
        continue;
      }
      const problem = check(part, raw);
      if (problem) return { column: where(index), value: raw, message: `${header[index]?.trim()} ${problem}` };
      set[part] = part === 'phones' ? splitValues(raw, o.separator) : raw;
    }
    values.set(`${name}_set`, Object.keys(set).length ? JSON.stringify(set) : null);
    values.set(`${name}_clear`, clear.length ? pgArray(clear) : null);
    return null;
  };
  for (const a of layout.addresses) {
    const problem = structured(a.kind, a.parts, (_p, v) => checkText(v, ADDRESS_MAX));
    if (problem) return problem;
  }
  for (const c of layout.contacts) {
    const problem = structured(`contact${c.slot}`, c.parts, (p, v) =>
      p === 'email' ? checkEmail(v) : p === 'phones' ? checkText(v, 200) : checkText(v, ADDRESS_MAX),
    );
    if (problem) return problem;
  }
  const custom = structured(
    'custom',
    layout.custom.map((c) => ({ part: c.key, index: c.index })),
    (_p, v) => checkText(v, CUSTOM_MAX),
  );
  if (custom) return custom;
  return { number, values: STAGED_COLUMNS.map((c) => values.get(c) ?? null) };
}
