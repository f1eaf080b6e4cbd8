import { DAYS, type Day, LIST_SEPARATOR, lfBreaks, type ScalarField, VALUE_JOIN, weekOrder } from '../fields';

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const EMAIL = /^[^\s@"<>,;]+@[^\s@"<>,;]+\.[^\s@"<>,;.]{2,}$/;
const TIME = /^([01]?\d|2[0-3])[:.]([0-5]\d)(?::([0-5]\d))?$/;
const TRUE = new Set(['true', 'yes', 'y', '1']);
const FALSE = new Set(['false', 'no', 'n', '0']);
const DAY_OF: Record<string, Day> = Object.fromEntries(
  DAYS.flatMap((d, i) => {
    const long = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'][i]!;
    return [
      [d, d],
      [long, d],
    ];
  }),
);

export const MAX_LABELS = 50;
export const MAX_LABEL = 64;

/** Why a cell can't be stored (a class, so a valid cell can come back as a bare string, allocation-free). */
export class Invalid {
  constructor(readonly error: string) {}
}

/** A cell's value as stored, or why it can't be. */
export type CellResult = string | Invalid;

/**
 * A CSV cell exported formula-safe ("'=x", "''=x": see safeCell) comes back as it was stored ("=x", "'=x"): one
 * apostrophe comes off a cell whose apostrophes come before = + - @ tab or carriage return.
 */
export const unescapeCell = (v: string) => (v.length > 1 && v[0] === "'" && /^'+[=+\-@\t\r]/.test(v) ? v.slice(1) : v);

/** A value of a list (a label, a phone) can't hold the separator exports join them with (see LIST_SEPARATOR). */
export const listSeparatorIn = (v: string): string | null =>
  v.includes(LIST_SEPARATOR) ? `can't contain ${LIST_SEPARATOR} (an export joins the values of a cell with it)` : null;

/** Splits a multi-value cell, trimming and dropping empties. */
export function splitValues(cell: string, separator: string): string[] {
  if (!cell.includes(separator)) {
    const v = cell.trim();
    return v === '' ? [] : [v];
  }
  const out: string[] = [];
  for (const piece of cell.split(separator)) {
    const v = piece.trim();
    if (v !== '') out.push(v);
  }
  return out;
}

export function checkText(v: string, max: number): string | null {
  if (v.length > max) return `is longer than ${max} characters`;
  if (CONTROL.test(v)) return 'contains a control character';
  return null;
}

export const checkEmail = (v: string) =>
  v.length > 254 || !EMAIL.test(v) ? 'is not an email address' : checkText(v, 254);

/**
 * Checks and normalises one non-blank, trimmed cell of a scalar field (the stored spelling, which the export
 * writes).
 */
export function parseCell(field: ScalarField, v: string, separator: string): CellResult {
  switch (field.kind) {
    case 'text':
    case 'code': {
      const problem = checkText(v, field.max);
      return problem ? new Invalid(problem) : v;
    }
    case 'email': {
      const problem = checkEmail(v);
      return problem ? new Invalid(problem) : v;
    }
    case 'enum': {
      const lower = v.toLowerCase();
      return field.values?.includes(lower) ? lower : new Invalid(`is not one of ${field.values?.join(', ')}`);
    }
    case 'bool': {
      const lower = v.toLowerCase();
      if (TRUE.has(lower)) return 'true';
      if (FALSE.has(lower)) return 'false';
      return new Invalid('is not true or false');
    }
    case 'time': {
      const m = TIME.exec(v);
      return m ? `${m[1]!.padStart(2, '0')}:${m[2]}` : new Invalid('is not a time of day (HH:MM)');
    }
    case 'days': {
      const days = new Set<string>();
      for (const d of splitValues(v, separator)) {
        const day = DAY_OF[d.toLowerCase()];
        if (!day) return new Invalid(`"${d}" is not a day (mon, tue, wed, thu, fri, sat, sun)`);
        days.add(day);
      }
      return weekOrder(days).join(VALUE_JOIN);
    }
    case 'labels': {
      const labels = [...new Set(splitValues(v, separator))].sort();
      if (labels.length > MAX_LABELS) return new Invalid(`has more than ${MAX_LABELS} labels`);
      for (const l of labels) {
        const problem = checkText(l, MAX_LABEL) ?? listSeparatorIn(l);
        if (problem) return new Invalid(`label "${l.slice(0, 80)}" ${problem}`);
      }
      return labels.join(VALUE_JOIN);
    }
  }
}

/**
 * A cell's value, trimmed, as it was stored where an export made it formula-safe (see unescapeCell): from a CSV
 * export, or from one a spreadsheet saved as a workbook. A workbook export writes values as text cells, with an
 * apostrophe more only where this takes one off (see textCell). A line break inside a cell becomes one LF,
 * however the file wrote it (CRLF in a file saved on Windows).
 */
export const cellAt = (fields: string[], i: number) => lfBreaks(unescapeCell((fields[i] ?? '').trim()));
