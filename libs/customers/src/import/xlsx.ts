import { type Readable, Transform } from 'node:stream';
import type { CsvItem } from '@customer-hub/csv';
import ExcelJS from 'exceljs';

/**
 * Limits on what an XLSX may unpack to: its rows are read one at a time, but a small zip can inflate to a
 * lot (the shared-strings part is held in memory while a sheet is read).
 */
export const XLSX_LIMITS = {
  maxRows: 5_000_000,
  maxColumns: 500,
  /** Decompressed bytes of the shared strings and sheets together. */
  maxUnpackedBytes: 4 * 1024 ** 3,
  /** Decompressed bytes of the shared strings alone (they are cached). */
  maxSharedStringsBytes: 64 * 1024 ** 2,
};

export class XlsxError extends Error {
  override name = 'XlsxError';
  /** Bad input for a whole job: the worker fails it at once, without retries. */
  readonly badInput = true;
}

type Chunks = AsyncIterable<Buffer | string>;

/**
 * exceljs's streaming reader with the decompressed size counted as it is parsed: the shared strings and every
 * sheet part pass through a counter that fails the read past the limits (a zip bomb stops early, whatever
 * sizes its headers claim).
 */
interface ReaderInternals extends ExcelJS.stream.xlsx.WorkbookReader {
  _parseSharedStrings(entry: Readable): AsyncGenerator;
  _parseWorksheet(iterator: Chunks, sheetNo: string): Generator;
}
const Reader = ExcelJS.stream.xlsx.WorkbookReader as unknown as new (
  input: Readable,
  options: Partial<ExcelJS.stream.xlsx.WorkbookStreamReaderOptions>,
) => ReaderInternals;

class CappedWorkbookReader extends Reader {
  private unpacked = 0;

  private count(chunk: Buffer | string, limit: number, what: string) {
    this.unpacked += chunk.length;
    if (this.unpacked > limit) throw new XlsxError(`The workbook unpacks to more than ${limit} bytes of ${what}.`);
  }

  // exceljs internals (4.x): shared strings arrive as the zip entry stream, sheets as an iterable of chunks.
  override _parseSharedStrings(entry: Readable) {
    const start = this.unpacked;
    const counted = entry.pipe(
      new Transform({
        transform: (chunk: Buffer, _e, done) => {
          try {
            this.count(chunk, start + XLSX_LIMITS.maxSharedStringsBytes, 'shared strings');
            done(null, chunk);
          } catch (err) {
            done(err as Error);
          }
        },
      }),
    );
    entry.on('error', (err) => counted.destroy(err));
    return super._parseSharedStrings(counted);
  }

  override _parseWorksheet(iterator: Chunks, sheetNo: string) {
    const self = this;
    async function* counted() {
      for await (const chunk of iterator) {
        self.count(chunk, XLSX_LIMITS.maxUnpackedBytes, 'sheet data');
        yield chunk;
      }
    }
    return super._parseWorksheet(counted(), sheetNo);
  }
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
  const reader = new CappedWorkbookReader(source, {
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  });
  let found = false;
  const names: string[] = [];
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
          throw new XlsxError(`The sheet has more than ${XLSX_LIMITS.maxRows} rows.`);
        const values = row.values as ExcelJS.CellValue[];
        if (values.length - 1 > XLSX_LIMITS.maxColumns) {
          throw new XlsxError(`Row ${row.number} of the sheet has more than ${XLSX_LIMITS.maxColumns} columns.`);
        }
        const fields: string[] = [];
        for (let i = 1; i < values.length; i++) fields.push(cellText(values[i]));
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
