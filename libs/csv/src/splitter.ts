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

/** A line that could not be read (broken quoting); reading goes on at the next line. */
export interface CsvLineError {
  line: number;
  error: string;
}

export type CsvItem = CsvRecord | CsvLineError;
export const isLineError = (i: CsvItem): i is CsvLineError => 'error' in i;

const QUOTE = 34;
const SPACE = 32;
const TAB = 9;

/**
 * A fast, incremental CSV splitter (RFC 4180 plus what real files do): any of CRLF, LF or CR line ends; quoted
 * fields holding delimiters, doubled quotes and line breaks; whitespace around fields trimmed; blank lines
 * skipped; ragged rows kept. A quote in the middle of an unquoted field, text after a closing quote, or a quote
 * never closed is broken quoting: reported with the record's line, and reading resumes on the next line.
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
  ) {
    if (delimiter.length !== 1 || delimiter === '"') throw new Error(`bad delimiter ${JSON.stringify(delimiter)}`);
    this.d = delimiter.charCodeAt(0);
  }

  /** True between records: no unfinished record is waiting for the next chunk. */
  get idle(): boolean {
    return this.carry === '';
  }

  /** Splits what it can of `chunk` into `out`; with `last`, finishes the file. */
  push(chunk: string, last: boolean, out: CsvItem[]): void {
    const s = this.carry ? this.carry + chunk : chunk;
    const n = s.length;
    const d = this.d;
    const trimTab = d !== TAB;
    const next = new NextOf(s, String.fromCharCode(d));
    const upTo = this.columns.upTo;
    let i = 0;
    while (i < n) {
      const start = i;
      const startLine = this.line;
      let lines = 0; // line breaks inside quoted fields of this record
      const fields: string[] = [];
      let broken: string | null = null;
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
            i = n;
            complete = true;
            break;
          }
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
          break;
        }
        // unquoted field
        const j = next.fieldEnd(i);
        c = j < n ? s.charCodeAt(j) : 0;
        if (c === QUOTE) {
          broken = 'a quote inside an unquoted field (quote the whole field and double the quote)';
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
      if (broken !== null) {
        // Skip to the end of the physical line and go on from there.
        let k = i;
        while (k < n && s.charCodeAt(k) !== LF && s.charCodeAt(k) !== CR) k++;
        // At the chunk's end, or at a CR the next chunk's LF may complete: wait for more text.
        if ((k >= n || (k === n - 1 && s.charCodeAt(k) === CR)) && !last) {
          i = start;
          this.line = startLine;
          break;
        }
        if (k < n) k += s.charCodeAt(k) === CR && s.charCodeAt(k + 1) === LF ? 2 : 1;
        lines = countBreaks(s, start, k);
        out.push({ line: startLine, error: `broken quoting: ${broken}` });
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
  }
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
