import type { Readable } from 'node:stream';
import type { CsvItem } from '@customer-hub/csv';
import ExcelJS from 'exceljs';

/** Limits on what an XLSX may unpack to: its cells are read one row at a time, but a zip can hold a lot. */
export const XLSX_LIMITS = { maxRows: 5_000_000, maxColumns: 500, maxTextChars: 2 * 1024 ** 3 };

export class XlsxError extends Error {
  override name = 'XlsxError';
  /** Bad input for a whole job: the worker fails it at once, without retries. */
  readonly badInput = true;
}

/** A cell as the text a CSV would hold: dates as ISO dates, rich text and formulas as their text or result. */
function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString().replace(/T00:00:00\.000Z$/, '');
  if ('richText' in v) return v.richText.map((t) => t.text).join('');
  if ('text' in v && typeof v.text === 'string') return v.text;
  if ('result' in v) return v.result === undefined ? '' : cellText(v.result as ExcelJS.CellValue);
  if ('error' in v) return String(v.error);
  return '';
}

/**
 * Streams the rows of one sheet (the first, or the one named) as records numbered by their row in the sheet.
 * Rows and cells are read one at a time; the sheet's shared strings are held while it is read.
 */
export async function* readXlsxRecords(source: Readable, sheet?: string): AsyncGenerator<CsvItem> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(source, {
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  });
  let found = false;
  const names: string[] = [];
  let chars = 0;
  try {
    for await (const worksheet of reader) {
      const name = (worksheet as unknown as { name: string }).name;
      names.push(name);
      if (found || (sheet !== undefined && name !== sheet)) {
        // Other sheets are read past, not kept.
        for await (const _row of worksheet) {
          // draining
        }
        continue;
      }
      found = true;
      for await (const row of worksheet as AsyncIterable<ExcelJS.Row>) {
        if (row.number > XLSX_LIMITS.maxRows)
          throw new XlsxError(`the sheet has more than ${XLSX_LIMITS.maxRows} rows`);
        const values = row.values as ExcelJS.CellValue[];
        if (values.length - 1 > XLSX_LIMITS.maxColumns) {
          throw new XlsxError(`row ${row.number} has more than ${XLSX_LIMITS.maxColumns} columns`);
        }
        const fields: string[] = [];
        for (let i = 1; i < values.length; i++) {
          const text = cellText(values[i]);
          chars += text.length;
          fields.push(text);
        }
        if (chars > XLSX_LIMITS.maxTextChars) throw new XlsxError('the sheet unpacks to more text than allowed');
        if (fields.every((f) => f === '')) continue;
        yield { line: row.number, fields };
      }
    }
  } catch (err) {
    if (err instanceof XlsxError) throw err;
    throw new XlsxError(`The upload can't be read as an XLSX workbook: ${(err as Error).message}.`);
  } finally {
    source.destroy();
  }
  if (!found) {
    throw new XlsxError(
      sheet === undefined
        ? 'The workbook has no sheet.'
        : `The workbook has no sheet named "${sheet}"; it has ${names.map((n) => `"${n}"`).join(', ')}.`,
    );
  }
}
