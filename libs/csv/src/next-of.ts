/** Character codes the splitter and {@link NextOf} look for. */
export const CR = 13;
export const LF = 10;

/** What {@link NextOf.restOfLine} says when the rest of the line is in the next chunk, or holds an open quote. */
export const NEED_MORE = -1;
export const ODD_QUOTES = -2;

/**
 * Where the next delimiter, line feed, carriage return and quote are in a chunk, each found by `indexOf` (a
 * native scan, several times faster than reading the text a character at a time) and found again only once
 * reading has passed it.
 */
export class NextOf {
  private delimiter = -1;
  private lf = -1;
  private cr = -1;
  private quote = -1;

  constructor(
    private readonly s: string,
    private readonly d: string,
  ) {}

  /** The position of `ch` at or after `i` (the text's length if none), from `cached` when still ahead. */
  private find(cached: number, ch: string, i: number): number {
    if (cached >= i) return cached;
    const at = this.s.indexOf(ch, i);
    return at === -1 ? this.s.length : at;
  }

  /** Where an unquoted field starting at `i` ends: its delimiter, line end or (broken) quote, or the text's end. */
  fieldEnd(i: number): number {
    this.delimiter = this.find(this.delimiter, this.d, i);
    this.lf = this.find(this.lf, '\n', i);
    this.cr = this.find(this.cr, '\r', i);
    this.quote = this.find(this.quote, '"', i);
    return Math.min(this.delimiter, this.lf, this.cr, this.quote);
  }

  /**
   * Where the record ends if the rest of it, from `i` (just after a delimiter), holds an even number of quotes
   * before the line's end: past that line end. Then no quoted field is open there, so splitting the rest would
   * end the record at the same place (as a record, or as broken quoting, which skips to the line's end). With an
   * odd number, ODD_QUOTES (a quoted field goes on to the next line: split the rest); NEED_MORE where the line
   * or its CRLF goes on in the next chunk.
   */
  restOfLine(i: number, last: boolean): number {
    const { s } = this;
    const n = s.length;
    this.lf = this.find(this.lf, '\n', i);
    this.cr = this.find(this.cr, '\r', i);
    const end = Math.min(this.lf, this.cr);
    if (end >= n && !last) return NEED_MORE;
    let quotes = 0;
    for (let q = this.find(this.quote, '"', i); q < end; q = this.find(q, '"', q + 1)) quotes++;
    if (quotes % 2 === 1) return ODD_QUOTES;
    if (end >= n) return n;
    if (s.charCodeAt(end) === CR) {
      if (end === n - 1 && !last) return NEED_MORE;
      return s.charCodeAt(end + 1) === LF ? end + 2 : end + 1;
    }
    return end + 1;
  }

  /** Whether s[from, to) holds a line break. */
  breakBefore(from: number, to: number): boolean {
    this.lf = this.find(this.lf, '\n', from);
    this.cr = this.find(this.cr, '\r', from);
    return this.lf < to || this.cr < to;
  }
}
