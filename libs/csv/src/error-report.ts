import { PassThrough } from 'node:stream';
import type { FileStore, StoredFile } from '@customer-hub/files';
import { stringify } from 'csv-stringify';
import { safeCell } from './safe-cell';
import type { CsvLineError } from './splitter';

export interface RowError {
  line: number;
  column: string;
  value: string;
  message: string;
}

/** The report row of a line the reader could not split: its column named from `header` where that is known. */
export function lineErrorRow(e: CsvLineError, header?: readonly string[]): RowError {
  const name = header?.[e.column - 1];
  return { line: e.line, column: name ? `${e.column} (${name})` : String(e.column), value: e.value, message: e.error };
}

/**
 * The error report of an import: one CSV line per rejected row (line, column, value, message), streamed into
 * the file store as rows are rejected. Cells are made safe to open in a spreadsheet.
 */
export class ErrorReport {
  count = 0;
  private readonly csv = stringify({ header: true, columns: ['line', 'column', 'value', 'message'] });
  private readonly stored: Promise<StoredFile>;

  constructor(
    files: FileStore,
    readonly key: string,
  ) {
    const body = new PassThrough();
    this.csv.pipe(body);
    this.stored = files.write(key, body, { contentType: 'text/csv; charset=utf-8' });
    this.stored.catch(() => {}); // surfaced by close()
  }

  async add(e: RowError): Promise<void> {
    this.count++;
    const value = e.value.length > 200 ? `${e.value.slice(0, 200)}…` : e.value;
    if (!this.csv.write([e.line, e.column, safeCell(value), safeCell(e.message)])) {
      await new Promise((r) => this.csv.once('drain', r));
    }
  }

  async close(): Promise<StoredFile> {
    this.csv.end();
    return this.stored;
  }
}
