import { type Readable, Transform } from 'node:stream';
import type { CsvItem } from '@customer-hub/csv';
import ExcelJS from 'exceljs';
import unzipper from 'unzipper';
import { SharedStrings } from './shared-strings';

/**
 * Limits on what an XLSX may unpack to: its rows are read one at a time, but a small zip can inflate to a
 * lot, and the shared strings are held while a sheet is read.
 */
export const XLSX_LIMITS = {
  maxRows: 5_000_000,
  maxColumns: 500,
  /** Decompressed bytes of all the workbook's parts (the first pass reads them all). */
  maxUnpackedBytes: 4 * 1024 ** 3,
  /** Bytes of the shared strings' text, kept in a temp file while the sheet is read (memory stays flat). */
  maxSharedStringsBytes: 2 * 1024 ** 3,
};

export class XlsxError extends Error {
  override name = 'XlsxError';
  /** Bad input for a whole job: the worker fails it at once, without retries. */
  readonly badInput = true;
}

/** The parts of exceljs's streaming reader (4.x) this module drives, one zip entry at a time. */
interface SheetReader extends AsyncIterable<ExcelJS.Row> {
  name: string;
}
interface ReaderInternals {
  model?: { sheets?: { name: string; rId: string }[] };
  workbookRels?: { Id: string; Target: string }[];
  _parseRels(entry: Readable): Promise<void>;
  _parseWorkbook(entry: Readable): Promise<void>;
  /** Number formats: which numbers are dates and times. */
  _parseStyles(entry: Readable): Promise<void>;
  /** With `sharedStrings: 'emit'`, each string as it is read. */
  _parseSharedStrings(entry: Readable): AsyncGenerator<{ text: SharedText }>;
  sharedStrings?: readonly string[];
  _parseWorksheet(chunks: AsyncIterable<Buffer>, sheetNo: string): Generator<{ value: SheetReader }>;
}
const Reader = ExcelJS.stream.xlsx.WorkbookReader as unknown as new (
  input: null,
  options: Partial<ExcelJS.stream.xlsx.WorkbookStreamReaderOptions>,
) => ReaderInternals;

type SharedText = string | null | { richText: { text: string | null }[] };
const plain = (t: SharedText): string =>
  t === null ? '' : typeof t === 'string' ? t : t.richText.map((r) => r.text ?? '').join('');

/** Opens the stored upload from its start: a workbook is read in two passes. */
export type OpenUpload = () => Promise<Readable>;

/** Counts decompressed bytes against a limit: a zip bomb stops early, whatever sizes its headers claim. */
class Unpacked {
  private bytes = 0;
  constructor(private readonly limit: number) {}

  add(n: number, what: string) {
    this.bytes += n;
    if (this.bytes > this.limit) throw new XlsxError(`The workbook unpacks to more than ${this.limit} bytes${what}.`);
  }

  /** The entry as a stream whose every chunk is counted first. */
  stream(entry: Readable): Readable {
    const counted = entry.pipe(
      new Transform({
        transform: (chunk: Buffer, _e, done) => {
          try {
            this.add(chunk.length, '');
            done(null, chunk);
          } catch (err) {
            done(err as Error);
          }
        },
      }),
    );
    entry.on('error', (err) => counted.destroy(err));
    return counted;
  }

  async *chunks(entry: Readable, what: string): AsyncGenerator<Buffer> {
    for await (const chunk of entry as AsyncIterable<Buffer>) {
      this.add(chunk.length, what);
      yield chunk;
    }
  }
}

const SHEET = /^xl\/worksheets\/sheet(\d+)\.xml$/;
const SHEET_DATA = ' of sheet data';

async function* zipEntries(open: OpenUpload): AsyncGenerator<unzipper.Entry> {
  const source = await open();
  const zip = source.pipe(unzipper.Parse({ forceStream: true }));
  source.on('error', (err) => zip.destroy(err));
  try {
    yield* zip as AsyncIterable<unzipper.Entry>;
  } finally {
    source.destroy();
    zip.destroy();
  }
}

/**
 * First pass: the workbook's sheet list, its relationships, its number formats and its shared strings, which a
 * sheet's cells point into (Excel writes them after the sheets, so they cannot be had in the same pass without
 * copying the sheets aside). Every other part is read past, counted.
 */
async function readIndex(book: ReaderInternals, open: OpenUpload, strings: SharedStrings): Promise<void> {
  const unpacked = new Unpacked(XLSX_LIMITS.maxUnpackedBytes);
  let parts = 0;
  for await (const entry of zipEntries(open)) {
    if (entry.path === 'xl/_rels/workbook.xml.rels') await book._parseRels(unpacked.stream(entry));
    else if (entry.path === 'xl/workbook.xml') await book._parseWorkbook(unpacked.stream(entry));
    else if (entry.path === 'xl/styles.xml') await book._parseStyles(unpacked.stream(entry));
    else if (entry.path === 'xl/sharedStrings.xml') {
      for await (const { text } of book._parseSharedStrings(unpacked.stream(entry))) strings.push(plain(text));
    } else {
      for await (const _ of unpacked.chunks(entry, SHEET.test(entry.path) ? SHEET_DATA : '')) {
        // read past
      }
      continue;
    }
    if (++parts === 4) return;
  }
}

/** The zip path and number of the sheet to read: the first in the workbook's order, or the one named. */
function chooseSheet(book: ReaderInternals, sheet: string | undefined): { path: string; no: string } {
  const sheets = book.model?.sheets ?? [];
  const chosen = sheet === undefined ? sheets[0] : sheets.find((s) => s.name === sheet);
  if (!chosen) {
    throw new XlsxError(
      sheet === undefined
        ? 'The workbook has no sheet.'
        : `The workbook has no sheet named "${sheet}"; it has ${sheets.map((s) => `"${s.name}"`).join(', ')}.`,
    );
  }
  const target = book.workbookRels?.find((rel) => rel.Id === chosen.rId)?.Target ?? '';
  const path = target.startsWith('/') ? target.slice(1) : `xl/${target}`;
  const no = SHEET.exec(path)?.[1];
  if (no === undefined) throw new XlsxError(`The workbook's sheet "${chosen.name}" has no readable part.`);
  return { path, no };
}

/**
 * A date-formatted cell as a CSV would hold it: a time of day alone (Excel keeps one as a day-0 date, as when a
 * cutoff is typed as 16:00) as `16:00`, a date at midnight as `2026-11-22`, otherwise both.
 */
function dateText(d: Date): string {
  const iso = d.toISOString();
  const day = iso.slice(0, 10);
  const time = iso.slice(11, 19).replace(/:00$/, '');
  if (day === '1899-12-30' || day === '1904-01-01') return time;
  return iso.slice(11, 23) === '00:00:00.000' ? day : `${day} ${time}`;
}

/** A cell as the text a CSV would hold: dates as ISO dates, rich text and formulas as their text or result. */
function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return dateText(v);
  if ('richText' in v) return v.richText.map((t) => t.text).join('');
  if ('text' in v && typeof v.text === 'string') return v.text;
  if ('result' in v) return v.result === undefined ? '' : cellText(v.result as ExcelJS.CellValue);
  if ('error' in v) return String(v.error);
  return '';
}

/**
 * Streams the rows of one sheet (the first, or the one named) as records numbered by their row in the sheet.
 * Rows and cells are read one at a time.
 * The shared strings wait in an unlinked temp file (see {@link SharedStrings}); no part is copied aside.
 */
export async function* readXlsxRecords(open: OpenUpload, sheet?: string): AsyncGenerator<CsvItem> {
  const book = new Reader(null, {
    sharedStrings: 'emit',
    hyperlinks: 'ignore',
    styles: 'cache',
    worksheets: 'emit',
    entries: 'ignore',
  });
  const limit = XLSX_LIMITS.maxSharedStringsBytes;
  const strings = new SharedStrings(
    limit,
    () => new XlsxError(`The workbook's shared strings come to more than ${limit} bytes.`),
  );
  try {
    await readIndex(book, open, strings);
    book.sharedStrings = strings.asArray();
    const { path, no } = chooseSheet(book, sheet);
    const unpacked = new Unpacked(XLSX_LIMITS.maxUnpackedBytes);
    for await (const entry of zipEntries(open)) {
      if (entry.path !== path) {
        entry.autodrain();
        continue;
      }
      const { value: worksheet } = book._parseWorksheet(unpacked.chunks(entry, SHEET_DATA), no).next().value as {
        value: SheetReader;
      };
      for await (const row of worksheet) {
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
      return;
    }
    throw new XlsxError(`The workbook's sheet part ${path} is missing.`);
  } catch (err) {
    if (err instanceof XlsxError) throw err;
    throw new XlsxError(`The upload can't be read as an XLSX workbook: ${(err as Error).message}.`);
  } finally {
    strings.close();
  }
}
