import type { ErrorReport } from '@customer-hub/csv';
import { copyText, uuidV7 } from '@customer-hub/db';
import { ADDRESS_MAX, CUSTOM_MAX, LIST_SEPARATOR, OTHER_ADDRESS_LABEL_MAX, type ScalarField } from '../fields';
import { type CellResult, cellAt, checkEmail, checkText, listSeparatorIn, parseCell, splitValues } from './cells';
import { columnLabel, columnPosition, type FileColumns } from './columns';
import type { Layout } from './layout';
import { STAGED_COLUMNS } from './staging-table';

export interface CellProblem {
  column: string;
  value: string;
  message: string;
}

export type Blank = 'ignore' | 'clear';

/** A row that can't be staged, with every problem found in it, and its customer number if that is usable. */
export interface Rejected {
  problems: CellProblem[];
  number?: string;
}

const rejectedRow = (problems: CellProblem[], number: string | CellProblem): Rejected =>
  typeof number === 'string' ? { problems, number } : { problems };

/** Writes a rejected row's problems to the report, one line each. */
export async function reportRejected(report: ErrorReport, line: number, problems: CellProblem[]): Promise<void> {
  for (const p of problems) await report.add({ line, ...p });
}

/** A Postgres array literal of plain strings. */
const pgArray = (items: string[]) => `{${items.map((i) => `"${i.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;

type PartCheck = 'address' | 'label' | 'email' | 'phones' | 'custom';

interface Group {
  setSlot: number;
  clearSlot: number;
  /** Each part with its JSON key, quoted once (`"city":`). */
  parts: { part: string; key: string; index: number; check: PartCheck; max: number }[];
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: what JSON must escape
const JSON_ESCAPE = /["\\\u0000-\u001f]/;
/** A JSON string literal: most cells need no escaping, and quoting them by hand is cheaper than JSON.stringify. */
const jsonString = (v: string) => (JSON_ESCAPE.test(v) ? JSON.stringify(v) : `"${v}"`);

/** Kinds of cell whose values repeat from row to row, so a stager parses each spelling once. */
const REPEATING = new Set<ScalarField['kind']>(['code', 'enum', 'bool', 'time', 'days', 'labels']);
/** Distinct spellings remembered per column: enough for codes and flags, bounded for a column of unique values. */
const SEEN_MAX = 4096;
/** Kinds whose staged value is plain ASCII the stager wrote itself, never needing COPY escaping. */
const PLAIN = new Set<ScalarField['kind']>(['enum', 'bool', 'time', 'days']);

/** Longest value of each kind of part (an email's own check has its limit). */
const PART_MAX: Record<PartCheck, number> = {
  address: ADDRESS_MAX,
  label: OTHER_ADDRESS_LABEL_MAX,
  email: 254,
  phones: 200,
  custom: CUSTOM_MAX,
};

/** Position of a staged column in a COPY row (after line and number). */
const slotOf = (column: string) => STAGED_COLUMNS.indexOf(column) + 2;
function checkPart(check: PartCheck, max: number, v: string, separator: string): string | null {
  if (check === 'email') return checkEmail(v);
  const problem = checkText(v, max);
  if (problem || check !== 'phones' || separator === LIST_SEPARATOR) return problem;
  const phone = splitValues(v, separator).find(listSeparatorIn);
  return phone === undefined ? null : `phone "${phone}" ${listSeparatorIn(phone)}`;
}

/**
 * Turns data rows into staging values, with the layout worked out once. A scalar is NULL when the file leaves
 * it alone (no column, or a blank cell with blank=ignore) and '' when it is to be cleared; structured parts
 * carry what to set and what to clear. A row with a bad cell gives its first problem instead.
 */
export class RowStager {
  private readonly scalars: {
    field: ScalarField;
    index: number;
    slot: number;
    /** Parsed cells of a field with few distinct values (codes, flags, days, labels), by cell text. */
    seen: Map<string, CellResult> | null;
  }[];
  private readonly groups: Group[];
  private readonly nameSlot = slotOf('name');
  private readonly idSlot = slotOf('id');
  private readonly digestSlot = slotOf('digest');
  /** The slots this layout can fill, in COPY order, and whether a value there may need COPY escaping. */
  private readonly filled: { slot: number; text: boolean }[];
  /** What goes before each filled slot's value (a tab, and `\N` for each slot in between), and after the last. */
  private readonly gaps: string[];
  private readonly end: string;

  /** How this file's columns are named in problems. */
  private readonly columns: FileColumns;

  constructor(
    private readonly layout: Layout,
    private readonly header: string[],
    /** `workbook`: the file is a workbook's sheet (see {@link columnLabel}). */
    private readonly o: { blank: Blank; separator: string; deleting: boolean; workbook?: boolean },
  ) {
    this.columns = { header, workbook: o.workbook ?? false };
    this.scalars = layout.scalars.map((s) => ({
      ...s,
      slot: slotOf(s.field.column),
      seen: REPEATING.has(s.field.kind) ? new Map() : null,
    }));
    const group = (name: string, parts: Omit<Group['parts'][number], 'key' | 'max'>[]): Group => ({
      setSlot: slotOf(`${name}_set`),
      clearSlot: slotOf(`${name}_clear`),
      parts: parts.map((p) => ({ ...p, key: `${JSON.stringify(p.part)}:`, max: PART_MAX[p.check] })),
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
      ...layout.otherAddresses.map((a) =>
        group(
          `other_address${a.slot}`,
          a.parts.map((p) => ({ ...p, check: p.part === 'label' ? ('label' as const) : ('address' as const) })),
        ),
      ),
      group(
        'custom',
        layout.custom.map((c) => ({ part: c.key, index: c.index, check: 'custom' as const })),
      ),
    ].filter((g) => g.parts.length > 0);

    // line, id and digest are digits and hex; a parsed flag, time, choice or day list is plain ASCII; the rest is text.
    const filled = new Map<number, boolean>([
      [0, false],
      [1, true],
    ]);
    if (!o.deleting) {
      for (const { field, slot } of this.scalars) filled.set(slot, !PLAIN.has(field.kind));
      if (layout.nameParts.length) filled.set(this.nameSlot, true);
      for (const g of this.groups) filled.set(g.setSlot, true).set(g.clearSlot, true);
      filled.set(this.idSlot, false).set(this.digestSlot, false);
    }
    this.filled = [...filled].sort(([a], [b]) => a - b).map(([slot, text]) => ({ slot, text }));
    const nulls = (from: number, to: number) => '\t\\N'.repeat(to - from);
    this.gaps = this.filled.map(({ slot }, i) => (i === 0 ? '' : `${nulls(this.filled[i - 1]!.slot + 1, slot)}\t`));
    this.end = `${nulls(this.filled.at(-1)!.slot + 1, STAGED_COLUMNS.length + 2)}\n`;
  }

  /** A staged row as its COPY line: only the slots this layout can fill are looked at. */
  copyLine(row: (string | null)[]): string {
    const { filled, gaps } = this;
    let line = '';
    for (let i = 0; i < filled.length; i++) {
      const { slot, text } = filled[i]!;
      const v = row[slot]!;
      line += gaps[i] + (v === null ? '\\N' : text ? copyText(v) : v);
    }
    return line + this.end;
  }

  private where(i: number) {
    return columnLabel(this.columns, i);
  }

  /** A data row's customer number, or why it is not one. */
  numberOf(fields: string[]): string | CellProblem {
    const { key } = this.layout;
    const number = cellAt(fields, key);
    if (number === '') return { column: this.where(key), value: '', message: 'customer number is empty' };
    const problem = checkText(number, 64);
    return problem ? { column: this.where(key), value: number, message: `customer number ${problem}` } : number;
  }

  /**
   * The COPY row for a data row (line, number, then {@link STAGED_COLUMNS}), or every problem it has (each bad
   * cell, and a cell past the header's columns). `digest` is the row's digest (see first-pass.ts), kept so the
   * apply can record it.
   */
  stage(line: number, fields: string[], digest: string | null = null): (string | null)[] | Rejected {
    const { layout, o, header } = this;
    const problems: CellProblem[] = [];
    const number = this.numberOf(fields);
    if (typeof number !== 'string') problems.push(number);
    for (let i = header.length; i < fields.length; i++) {
      if (fields[i]!.trim() === '') continue;
      problems.push({
        column: `${columnPosition(i, this.columns.workbook)} (no header)`,
        value: fields[i]!,
        message: `the row has ${fields.length} cells and the header ${header.length}: this one has no column (a separator inside an unquoted value?)`,
      });
      break;
    }
    const row: (string | null)[] = new Array(STAGED_COLUMNS.length + 2).fill(null);
    row[0] = String(line);
    row[1] = typeof number === 'string' ? number : '';
    if (o.deleting) return problems.length ? rejectedRow(problems, number) : row;
    row[this.idSlot] = uuidV7();
    row[this.digestSlot] = digest;

    for (const { field, index, slot, seen } of this.scalars) {
      const raw = cellAt(fields, index);
      if (raw === '') {
        if (o.blank === 'ignore') continue;
        if (field.required) {
          problems.push({
            column: this.where(index),
            value: '',
            message: `${field.column} can't be blank (blank=clear)`,
          });
        } else row[slot] = '';
        continue;
      }
      let parsed = seen?.get(raw);
      if (parsed === undefined) {
        parsed = parseCell(field, raw, o.separator);
        if (seen && seen.size < SEEN_MAX && raw.length <= 64) seen.set(raw, parsed);
      }
      if (typeof parsed === 'string') row[slot] = parsed;
      else problems.push({ column: this.where(index), value: raw, message: `${field.column} ${parsed.error}` });
    }

    if (layout.nameParts.length) {
      let name = '';
      for (const i of layout.nameParts) {
        const part = cellAt(fields, i);
        if (part !== '') name = name ? `${name} ${part}` : part;
      }
      const problem = name === '' ? null : checkText(name, 200);
      if (problem) {
        problems.push({ column: this.where(layout.nameParts[0]!), value: name, message: `name ${problem}` });
      } else if (name !== '') row[this.nameSlot] = name;
    }

    // Each group's parts to set as a JSON object, written as text: one string per group, no object to stringify.
    for (const g of this.groups) {
      let set = '';
      let clear: string[] | null = null;
      for (const { part, key, index, check, max } of g.parts) {
        const raw = cellAt(fields, index);
        if (raw === '') {
          if (o.blank === 'clear') {
            clear ??= [];
            clear.push(part);
          }
          continue;
        }
        const problem = checkPart(check, max, raw, o.separator);
        if (problem) {
          problems.push({
            column: this.where(index),
            value: raw,
            message: `${header[index]?.trim()} ${problem}`,
          });
          continue;
        }
        const value =
          check === 'phones' ? `[${splitValues(raw, o.separator).map(jsonString).join(',')}]` : jsonString(raw);
        set += `${set ? ',' : '{'}${key}${value}`;
      }
      if (set) row[g.setSlot] = `${set}}`;
      if (clear) row[g.clearSlot] = pgArray(clear);
    }
    return problems.length ? rejectedRow(problems, number) : row;
  }

  /**
   * The COPY line of a rejected row with a usable `number`: only its line and number, marked rejected. A read in
   * one pass stages it so the check for a number given twice sees every number, as a read in two passes does
   * (see checkNumbers), then drops it.
   */
  numberOnly(line: number, number: string): string {
    return `${line}\t${copyText(number)}${'\t\\N'.repeat(STAGED_COLUMNS.length - 1)}\tt\n`;
  }
}
