import { CR, LF, NEED_MORE, NextOf, ODD_QUOTES } from './next-of';

/**
 * One data line: its 1-based line number (where the record starts) and its trimmed fields (only up to
 * {@link SplitColumns.upTo} where that is set); with a splitter's `offsets`, also where its text starts and ends
 * in the whole decoded text (see {@link readCsvSpans}) and that text itself, without its line end.
 */
export interface CsvRecord {
  line: number;
  fields: string[];
  start?: number;
  end?: number;
  text?: string;
}

/**
 * How many of each record's columns a splitter splits: all, or those up to `upTo` (0-based), the rest of the
 * record passed over unsplit. A reader may change it between chunks (after reading the header, say).
 */
export interface SplitColumns {
  upTo: number;
}

/**
 * A line that could not be read (broken quoting); reading goes on at the next line. `column` is the broken
 * field's (1-based) and `value` its text as far as it goes on that line (the cell a spreadsheet would show).
 */
export interface CsvLineError {
  line: number;
  error: string;
  column: number;
  value: string;
}

export type CsvItem = CsvRecord | CsvLineError;
export const isLineError = (i: CsvItem): i is CsvLineError => 'error' in i;

/**
 * The most characters one record may take. Past it, a record still open is a quote never closed (reported, and
 * reading goes on at the line after the quote's) or a line too long to be a table's row ({@link CsvLineTooLong}).
 * Without a bound, one stray quote near the top of a large file held the rest of the file in one string and made
 * each chunk rescan it: 16 MB took 7.6 s, so 200 MB would take some 20 minutes and a string past the worker's heap.
 */
export const MAX_RECORD_CHARS = 1 << 20;

/** A line longer than {@link MAX_RECORD_CHARS} outside quotes: the file is not a table (the job fails). */
export class CsvLineTooLong extends Error {
  override name = 'CsvLineTooLong';
  /** Bad input for a whole job: the worker fails it at once, without retries. */
  readonly badInput = true;
  constructor(
    readonly line: number,
    limit = MAX_RECORD_CHARS,
  ) {
    super(
      `The upload is not a CSV file a spreadsheet could have written: line ${line} runs past ` +
        `${limit.toLocaleString('en-US')} characters without a line break.`,
    );
  }
}

/**
 * The most items in one batch of {@link CsvSplitter.split}; a chunk of ordinary rows holds fewer. Without a
 * bound, the text that waited behind a record 1 MiB long came out as one batch of some 13,000 records that all
 * lived through a young-generation collection, and V8 then allocated every later record straight into the old
 * generation (allocation-site pretenuring): the rest of a million-row read spent three times as long collecting
 * garbage, 6.5 s became 9–12 s.
 */
export const BATCH_ITEMS = 1024;

/** The longest `value` a {@link CsvLineError} quotes of its cell. */
const VALUE_CHARS = 1000;

const QUOTE = 34;
const SPACE = 32;
const TAB = 9;

/**
 * A fast, incremental CSV splitter (RFC 4180 plus what real files do): any of CRLF, LF or CR line ends; quoted
 * fields holding delimiters, doubled quotes and line breaks; whitespace around fields trimmed; blank lines
 * skipped; ragged rows kept. A quote in the middle of an unquoted field, text after a closing quote, or a quote
 * never closed (by the file's end, or within {@link MAX_RECORD_CHARS}) is broken quoting: reported with the
 * record's line, its column and its cell, and reading resumes on the line after the one where it was found.
 *
 * Feed it decoded text in chunks of any size; it keeps an unfinished record for the next chunk.
 */
export class CsvSplitter {
  private readonly d: number;
  private carry = '';
  /** Where `carry` starts in the whole text. */
  private base = 0;
  /** The line the next record starts on; a reader that passes lines by itself moves it on. */
  line = 1;

  constructor(
    delimiter: string,
    private readonly offsets = false,
    private readonly columns: SplitColumns = { upTo: Number.POSITIVE_INFINITY },
    /** No bound for text the project wrote itself (a workbook's cells read back from Postgres, say). */
    private readonly maxRecordChars = MAX_RECORD_CHARS,
  ) {
    if (delimiter.length !== 1 || delimiter === '"') throw new Error(`bad delimiter ${JSON.stringify(delimiter)}`);
    this.d = delimiter.charCodeAt(0);
  }

  /** True between records: no unfinished record is waiting for the next chunk. */
  get idle(): boolean {
    return this.carry === '';
  }

  private tooLong(line: number): CsvLineTooLong {
    return new CsvLineTooLong(line, this.maxRecordChars);
  }

  /**
   * Splits what it can of `chunk`, in batches of at most {@link BATCH_ITEMS} items; with `last`, finishes the
   * file. What it can't split yet (a record the next chunk ends) waits for the next call.
   */
  *split(chunk: string, last: boolean): Generator<CsvItem[]> {
    for (let more = true, text = chunk; more; text = '') {
      const out: CsvItem[] = [];
      more = this.push(text, last, out);
      if (out.length) yield out;
    }
  }

  /**
   * Splits what it can of `chunk` into `out`, at most {@link BATCH_ITEMS} items. True when it stopped at that
   * bound with text still to split.
   */
  private push(chunk: string, last: boolean, out: CsvItem[]): boolean {
    const s = this.carry ? this.carry + chunk : chunk;
    const cap = out.length + BATCH_ITEMS;
    const n = s.length;
    const d = this.d;
    const trimTab = d !== TAB;
    const next = new NextOf(s, String.fromCharCode(d));
    const upTo = this.columns.upTo;
    let i = 0;
    while (i < n && out.length < cap) {
      const start = i;
      const startLine = this.line;
      let lines = 0; // line breaks inside quoted fields of this record
      const fields: string[] = [];
      let broken: string | null = null;
      // Where the broken field starts, and where its cell ends: at the first delimiter or line break after
      // `brokenPast` (a never-closed quote's, at the first line break).
      let brokenFrom = 0;
      let brokenPast = 0;
      /** Where the quote of a quoted field not yet closed is (-1: none). */
      let unclosed = -1;
      let complete = false;
      let passedOver = false;
      for (;;) {
        if (fields.length > upTo && !passedOver) {
          // The columns wanted are split: pass over the rest of the record if it ends at this line's end.
          passedOver = true;
          const end = next.restOfLine(i, last);
          if (end === NEED_MORE) break;
          if (end !== ODD_QUOTES) {
            i = end;
            const c = s.charCodeAt(end - 1);
            if (c === LF || c === CR) lines++;
            complete = true;
            break;
          }
        }
        // leading whitespace
        let c = s.charCodeAt(i);
        while (i < n && (c === SPACE || (c === TAB && trimTab))) c = s.charCodeAt(++i);
        if (i >= n) {
          if (!last) break;
          fields.push('');
          complete = true;
          break;
        }
        if (c === QUOTE) {
          const open = i;
          unclosed = open;
          let value = '';
          let from = i + 1;
          let closed = false;
          for (;;) {
            const q = s.indexOf('"', from);
            if (q === -1) break;
            if (q + 1 < n && s.charCodeAt(q + 1) === QUOTE) {
              value += s.slice(from, q + 1);
              from = q + 2;
              continue;
            }
            if (q + 1 >= n && !last) break; // a doubled quote may follow in the next chunk
            value += s.slice(from, q);
            if (next.breakBefore(i + 1, q)) lines += countBreaks(s, i + 1, q);
            i = q + 1;
            closed = true;
            break;
          }
          if (!closed) {
            if (!last) break;
            broken = 'a quoted field is never closed';
            brokenFrom = open;
            brokenPast = -1;
            i = open;
            break;
          }
          unclosed = -1;
          c = s.charCodeAt(i);
          while (i < n && (c === SPACE || (c === TAB && trimTab))) c = s.charCodeAt(++i);
          fields.push(value);
          if (i >= n) {
            if (!last) break;
            complete = true;
            break;
          }
          if (c === d) {
            i++;
            continue;
          }
          if (c === LF || c === CR) {
            i += c === CR && s.charCodeAt(i + 1) === LF ? 2 : 1;
            if (c === CR && i >= n && !last) break; // maybe CRLF split across chunks
            lines++;
            complete = true;
            break;
          }
          broken = `text after a closing quote (${JSON.stringify(s[i])})`;
          fields.pop();
          brokenFrom = open;
          brokenPast = i;
          break;
        }
        // unquoted field
        const j = next.fieldEnd(i);
        c = j < n ? s.charCodeAt(j) : 0;
        if (c === QUOTE) {
          broken = 'a quote inside an unquoted field (quote the whole field and double the quote)';
          brokenFrom = i;
          brokenPast = j + 1;
          i = j;
          break;
        }
        let e = j;
        while (e > i && (s.charCodeAt(e - 1) === SPACE || (trimTab && s.charCodeAt(e - 1) === TAB))) e--;
        if (j >= n && !last) break;
        fields.push(s.slice(i, e));
        i = j;
        if (i >= n) {
          complete = true;
          break;
        }
        if (c === d) {
          i++;
          if (i >= n && last) {
            fields.push('');
            complete = true;
            break;
          }
          continue;
        }
        // line end
        if (c === CR && i + 1 >= n && !last) break; // maybe CRLF split across chunks
        i += c === CR && s.charCodeAt(i + 1) === LF ? 2 : 1;
        lines++;
        complete = true;
        break;
      }
      if (broken === null && !complete && n - start > this.maxRecordChars && !last) {
        // Too long to wait for more: a quote never closed is reported (reading goes on at the line after the
        // quote's, if the text holds its end), anything else is a line too long.
        if (unclosed < 0) throw this.tooLong(startLine + countBreaks(s, start, n));
        broken = `a quoted field is never closed within ${this.maxRecordChars.toLocaleString('en-US')} characters`;
        brokenFrom = unclosed;
        brokenPast = -1;
        i = unclosed;
      }
      if (broken !== null) {
        // Skip to the end of the physical line and go on from there.
        let k = i;
        while (k < n && s.charCodeAt(k) !== LF && s.charCodeAt(k) !== CR) k++;
        // At the chunk's end, or at a CR the next chunk's LF may complete: wait for more text.
        if ((k >= n || (k === n - 1 && s.charCodeAt(k) === CR)) && !last) {
          if (n - start > this.maxRecordChars) throw this.tooLong(startLine + countBreaks(s, start, n));
          i = start;
          this.line = startLine;
          break;
        }
        if (k < n) k += s.charCodeAt(k) === CR && s.charCodeAt(k + 1) === LF ? 2 : 1;
        lines = countBreaks(s, start, k);
        const end = brokenPast < 0 ? cellEnd(s, brokenFrom, -1) : cellEnd(s, brokenPast, d);
        const value = s.slice(brokenFrom, Math.min(end, brokenFrom + VALUE_CHARS));
        out.push({ line: startLine, error: `broken quoting: ${broken}`, column: fields.length + 1, value });
        this.line = startLine + lines;
        i = k;
        continue;
      }
      if (!complete) {
        i = start;
        break;
      }
      this.line = startLine + lines;
      // blank line
      if (fields.length === 1 && fields[0] === '' && s.charCodeAt(start) !== QUOTE && !passedOver) continue;
      if (this.offsets) {
        let e = i;
        while (e > start && (s.charCodeAt(e - 1) === LF || s.charCodeAt(e - 1) === CR)) e--;
        out.push({ line: startLine, fields, start: this.base + start, end: this.base + i, text: s.slice(start, e) });
      } else out.push({ line: startLine, fields });
    }
    this.carry = i < n ? s.slice(i) : '';
    this.base += Math.min(i, n);
    return i < n && out.length >= cap;
  }
}

/** Where the cell from `from` ends: at the first delimiter `d` (none if -1) or line break, or the text's end. */
function cellEnd(s: string, from: number, d: number): number {
  let k = from;
  for (let c = s.charCodeAt(k); k < s.length && c !== d && c !== LF && c !== CR; c = s.charCodeAt(++k));
  return k;
}

/** Line breaks in s[from, to): CRLF counts once. */
function countBreaks(s: string, from: number, to: number): number {
  let n = 0;
  for (let k = from; k < to; k++) {
    const c = s.charCodeAt(k);
    if (c === LF) n++;
    else if (c === CR) {
      n++;
      if (s.charCodeAt(k + 1) === LF) k++;
    }
  }
  return n;
}
