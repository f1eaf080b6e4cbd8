import { PassThrough, type Readable, Transform } from 'node:stream';
import type { CsvItem } from '@customer-hub/csv';
import ExcelJS from 'exceljs';
import unzipper from 'unzipper';
import { SharedStrings } from './shared-strings';
import { decodeXml, elements, type RawCell, rowCells, runsText } from './sheet-xml';

/**
 * Limits on what an XLSX may unpack to: its rows are read one at a time, but a small zip can inflate to a
 * lot, and the shared strings are kept aside (on disk) while a sheet is read.
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

/** The parts of exceljs's streaming reader (4.x) this module uses: the workbook's small parts. */
interface ReaderInternals {
  model?: { sheets?: { name: string; rId: string }[] };
  workbookRels?: { Id: string; Target: string }[];
  properties?: { model?: { date1904?: boolean } };
  styles: { getStyleModel(id: number): { numFmt?: string } | undefined };
  _parseRels(entry: Readable): Promise<void>;
  _parseWorkbook(entry: Readable): Promise<void>;
  /** Number formats: which numbers are dates and times. */
  _parseStyles(entry: Readable): Promise<void>;
}
const Reader = ExcelJS.stream.xlsx.WorkbookReader as unknown as new (
  input: null,
  options: Partial<ExcelJS.stream.xlsx.WorkbookStreamReaderOptions>,
) => ReaderInternals;

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

  /**
   * The entry's chunks, counted. Read through a 4 MB buffer: the inflater works on the thread pool 16 KB at a
   * time and waits while its output is unread, so without one it would stop each time the reader does.
   */
  async *chunks(entry: Readable, what: string): AsyncGenerator<Buffer> {
    const ahead = entry.pipe(new PassThrough({ highWaterMark: READ_AHEAD }));
    entry.on('error', (err) => ahead.destroy(err));
    for await (const chunk of ahead as AsyncIterable<Buffer>) {
      this.add(chunk.length, what);
      yield chunk;
    }
  }
}

const SHEET = /^xl\/worksheets\//i;
const READ_AHEAD = 4 * 1024 * 1024;
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
    // Part names as Excel writes them; some writers capitalise differently.
    const part = entry.path.toLowerCase();
    if (part === 'xl/_rels/workbook.xml.rels') await book._parseRels(unpacked.stream(entry));
    else if (part === 'xl/workbook.xml') await book._parseWorkbook(unpacked.stream(entry));
    else if (part === 'xl/styles.xml') await book._parseStyles(unpacked.stream(entry));
    else if (part === 'xl/sharedstrings.xml') {
      for await (const si of elements(unpacked.chunks(entry, ''), 'si')) strings.push(runsText(si));
    } else {
      for await (const _ of unpacked.chunks(entry, SHEET.test(entry.path) ? SHEET_DATA : '')) {
        // read past
      }
      continue;
    }
    if (++parts === 4) return;
  }
}

/** The zip path of the sheet to read: the first in the workbook's order, or the one named. */
function chooseSheet(book: ReaderInternals, sheet: string | undefined): string {
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
  if (target === '') throw new XlsxError(`The workbook's sheet "${chosen.name}" has no readable part.`);
  return path;
}

/**
 * A date-formatted cell as a CSV would hold it: a time of day alone (Excel keeps one as a day-0 date, as when a
 * cutoff is typed as 16:00) as `16:00`, a date at midnight as `2026-11-22`, otherwise both.
 */
function dateText(serial: number, date1904: boolean): string {
  const iso = new Date(Math.round((serial - 25569 + (date1904 ? 1462 : 0)) * 86_400_000)).toISOString();
  const day = iso.slice(0, 10);
  const time = iso.slice(11, 19).replace(/:00$/, '');
  if (serial < 1) return time;
  return iso.slice(11, 23) === '00:00:00.000' ? day : `${day} ${time}`;
}

/** Whether a number format shows a date or time (as exceljs decides: y m d h s b outside quotes and brackets). */
const isDateFormat = (format: string | undefined) =>
  format !== undefined && /[ymdhMsb]/.test(format.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, ''));

/** A cell as the text a CSV would hold: formulas as their result, booleans as true/false; null when it has none. */
function cellText(cell: RawCell, book: Workbook): string | null {
  const { value } = cell;
  switch (cell.type) {
    case 's':
      return value === null ? null : (book.strings.at(Number(value)) ?? '');
    case 'inlineStr':
      return cell.inline !== null ? runsText(cell.inline) : value === null ? null : decodeXml(value);
    case 'b':
      return value === null ? null : value === '0' ? 'false' : 'true';
    case 'str':
    case 'e':
    case 'd':
      return value === null ? null : decodeXml(value);
    default:
      if (value === null) return null;
      return book.isDate(cell.style) ? dateText(Number(value), book.date1904) : String(Number.parseFloat(value));
  }
}

/** What a sheet's cells are read against: the shared strings and which styles are dates. */
interface Workbook {
  strings: SharedStrings;
  isDate(style: number): boolean;
  date1904: boolean;
}

function workbookOf(book: ReaderInternals, strings: SharedStrings): Workbook {
  const dates = new Map<number, boolean>();
  return {
    strings,
    date1904: book.properties?.model?.date1904 === true,
    isDate(style) {
      let date = dates.get(style);
      if (date === undefined) {
        date = isDateFormat(book.styles.getStyleModel(style)?.numFmt);
        dates.set(style, date);
      }
      return date;
    },
  };
}

/**
 * Streams the rows of one sheet (the first, or the one named) as records numbered by their row in the sheet.
 * Rows and cells are read one at a time.
 * The shared strings wait in an unlinked temp file (see {@link SharedStrings}); no part is copied aside.
 */
export async function* readXlsxRecords(open: OpenUpload, sheet?: string): AsyncGenerator<CsvItem> {
  // Only the styles option matters: the reader parses just the parts handed to it (see readIndex).
  const book = new Reader(null, { styles: 'cache' });
  const limit = XLSX_LIMITS.maxSharedStringsBytes;
  const strings = new SharedStrings(
    limit,
    () => new XlsxError(`The workbook's shared strings come to more than ${limit} bytes.`),
  );
  try {
    await readIndex(book, open, strings);
    const workbook = workbookOf(book, strings);
    const path = chooseSheet(book, sheet);
    const part = path.toLowerCase(); // as in readIndex: writers differ in case
    const unpacked = new Unpacked(XLSX_LIMITS.maxUnpackedBytes);
    for await (const entry of zipEntries(open)) {
      if (entry.path.toLowerCase() !== part) {
        entry.autodrain();
        continue;
      }
      let line = 0;
      for await (const xml of elements(unpacked.chunks(entry, SHEET_DATA), 'row')) {
        const row = rowCells(xml, line);
        line = row.number;
        if (line > XLSX_LIMITS.maxRows) throw new XlsxError(`The sheet has more than ${XLSX_LIMITS.maxRows} rows.`);
        const fields: string[] = [];
        for (const cell of row.cells) {
          if (cell.column > XLSX_LIMITS.maxColumns) {
            throw new XlsxError(`Row ${line} of the sheet has more than ${XLSX_LIMITS.maxColumns} columns.`);
          }
          const text = cellText(cell, workbook);
          if (text === null) continue;
          while (fields.length < cell.column - 1) fields.push('');
          fields[cell.column - 1] = text;
        }
        if (fields.every((f) => f === '')) continue;
        yield { line, fields };
      }
      return;
    }
    throw new XlsxError(`The workbook's sheet part ${path} is missing.`);
  } catch (err) {
    // The machine's own trouble (a full disk, a file store that failed) is not the upload's fault: no XlsxError.
    if (err instanceof XlsxError || (err as NodeJS.ErrnoException).syscall) throw err;
    throw new XlsxError(`The upload can't be read as an XLSX workbook: ${(err as Error).message}.`);
  } finally {
    strings.close();
  }
}
