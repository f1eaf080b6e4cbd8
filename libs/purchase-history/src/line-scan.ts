import { FNV_OFFSET, FNV_PRIME } from './duplicates';

// Module-local copies: the loader runs transpiled to CommonJS (tsx), where each read of an imported binding
// calls a getter, and the scan reads these once per byte (that getter took a tenth of the worker's time).
const OFFSET = FNV_OFFSET;
const PRIME = FNV_PRIME;

const LF = 10;
const CR = 13;
const SPACE = 32;
const QUOTE = 34;

/**
 * The common line of a purchase history, read straight from the file's bytes: `ref<d>code`, optionally more
 * columns (ignored), ending in LF or CRLF, where the reference and the code are 1 to `maxLength` printable ASCII
 * characters without a quote or surrounding spaces. For a block of such lines the scan gives each line's
 * fields and their hashes (FNV-1a, as `fnv1aBytes`) in one pass, so the loader needs no string per row and can
 * hand the bytes to COPY as they are. Any other line (quoting, a control character, non-ASCII text in a key,
 * a bare CR, a blank line…) ends the scan: the block then goes through the full CSV reader, which reports it.
 */
export class LineScan {
  /** Lines scanned; fields of line k: reference [starts[k], refEnds[k]), code [refEnds[k] + 1, codeEnds[k]). */
  count = 0;
  starts = new Int32Array(4096);
  refEnds = new Int32Array(4096);
  codeEnds = new Int32Array(4096);
  refHashes = new Int32Array(4096);
  codeHashes = new Int32Array(4096);
  /** True while every line is exactly `ref<d>code\n`: then the block is already what COPY reads. */
  plain = true;

  constructor(
    private readonly delimiter: number,
    private readonly maxLength: number,
  ) {}

  /** Scans `b[from, to)`, which ends with a line end; false at the first line that isn't common. */
  scan(b: Uint8Array, from: number, to: number): boolean {
    const d = this.delimiter;
    const max = this.maxLength;
    this.count = 0;
    this.plain = true;
    let i = from;
    while (i < to) {
      const start = i;
      let c = 0;
      let h1 = OFFSET;
      for (; i < to; i++) {
        c = b[i]!;
        if (c === d) break;
        if (c < SPACE || c > 0x7e || c === QUOTE) return false;
        h1 = Math.imul(h1 ^ c, PRIME);
      }
      const refEnd = i;
      if (c !== d || refEnd === start || refEnd - start > max) return false;
      if (b[start] === SPACE || b[refEnd - 1] === SPACE) return false;
      let h2 = OFFSET;
      for (i++; i < to; i++) {
        c = b[i]!;
        if (c === d || c === LF || c === CR) break;
        if (c < SPACE || c > 0x7e || c === QUOTE) return false;
        h2 = Math.imul(h2 ^ c, PRIME);
      }
      const codeEnd = i;
      if (codeEnd === refEnd + 1 || codeEnd - refEnd - 1 > max) return false;
      if (b[refEnd + 1] === SPACE || b[codeEnd - 1] === SPACE) return false;
      if (c === d) {
        // Further columns are ignored, but a quote there could hide a line break: leave those to the reader.
        this.plain = false;
        for (i++; i < to; i++) {
          c = b[i]!;
          if (c === LF || c === CR) break;
          if (c === QUOTE) return false;
        }
      }
      if (i >= to) return false;
      if (c === CR) {
        if (i + 1 >= to || b[i + 1] !== LF) return false; // a bare CR
        this.plain = false;
        i++;
      }
      i++;
      this.keep(start, refEnd, codeEnd, h1, h2);
    }
    return true;
  }

  private keep(start: number, refEnd: number, codeEnd: number, h1: number, h2: number): void {
    const k = this.count++;
    if (k === this.starts.length) {
      for (const key of ['starts', 'refEnds', 'codeEnds', 'refHashes', 'codeHashes'] as const) {
        const bigger = new Int32Array(k * 2);
        bigger.set(this[key]);
        this[key] = bigger;
      }
    }
    this.starts[k] = start;
    this.refEnds[k] = refEnd;
    this.codeEnds[k] = codeEnd;
    this.refHashes[k] = h1;
    this.codeHashes[k] = h2;
  }
}
