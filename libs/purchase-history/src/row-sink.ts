import type { CsvDialect, CsvItem, CsvRecord, ErrorReport, RowError } from '@customer-hub/csv';
import { isLineError, lineErrorRow, looksLikeHeader } from '@customer-hub/csv';
import type { JobContext } from '@customer-hub/queue';
import { type DistinctValues, type DuplicateSpotter, hashUnlessControl } from './duplicates';
import type { LineScan } from './line-scan';
import type { VersionWriter } from './version-writer';

/** What the loader learns about the rows as they pass: repeated pairs, distinct customers and products. */
export interface RowTrackers {
  pairs: DuplicateSpotter;
  customers: DistinctValues;
  products: DistinctValues;
}

export interface LoadCounts {
  loaded: number;
  rejected: number;
  header: boolean;
}

/** The longest customer reference or product code. */
export const MAX_LENGTH = 64;
const HEADER_WORDS = /customer|cust|client|account|debtor|ref|product|item|sku|article|code|number|no\b|id\b/i;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LF = 10;
/** Rows whose lookups are warmed together: enough loads in flight, few enough that they stay in the cache. */
const WARM_BATCH = 64;

function problemWith(value: string, what: string): string | null {
  if (value === '') return `${what} is empty`;
  if (value.length > MAX_LENGTH) return `${what} is longer than ${MAX_LENGTH} characters (${value.length})`;
  const c = CONTROL.exec(value);
  if (c)
    return `${what} contains a control character (U+${c[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')})`;
  return null;
}

/** A CSV value for COPY, quoted (so delimiters and quotes in it stay data). */
const quoted = (v: string) => `"${v.includes('"') ? v.replaceAll('"', '""') : v}"`;

/** Where read rows go: checked, tracked and queued for COPY; rejected ones queued for the error report. */
export class RowSink {
  readonly counts: LoadCounts = { loaded: 0, rejected: 0, header: false };
  /** Records read so far, the header included. */
  seen = 0;
  /** How much of the file has been read, where the reader counts it (0: unknown). */
  bytesRead = 0;
  private columns = ['customer reference', 'product code'];
  private pending: CsvRecord | null = null;
  private rejected: RowError[] = [];
  private text = '';
  private out: (string | Buffer)[] = [];
  /** What the cache-warming loads read, kept so they are not optimised away (see DistinctValues.warmSlots). */
  private warmth = 0;

  constructor(
    private readonly ctx: JobContext<'purchase-history'>,
    private readonly writer: VersionWriter,
    private readonly dialect: CsvDialect,
    private readonly report: ErrorReport,
    private readonly track: RowTrackers,
  ) {}

  /** Whether the header question is settled, so that rows can be taken without looking at them one by one. */
  get settled(): boolean {
    return this.pending === null && (this.seen > 0 || this.ctx.params.header === false);
  }

  records(batch: CsvItem[]): void {
    for (const item of batch) {
      this.seen++;
      if (isLineError(item)) {
        this.rejected.push(lineErrorRow(item, this.columns));
      } else if (this.seen === 1 && this.ctx.params.header !== false) {
        if (this.ctx.params.header) {
          this.counts.header = true;
          this.columns = headerNames(item);
        } else this.pending = item; // decide once the second record is known
      } else {
        if (this.pending) this.settleHeader(item);
        this.take(item);
      }
    }
  }

  /**
   * Lines the byte scan accepted: tracked from their bytes and passed to COPY as they are where they can be,
   * less the rows held back as possible duplicates.
   */
  scanned(block: Buffer, scan: LineScan): void {
    const { pairs, customers, products } = this.track;
    const { starts, refEnds, codeEnds, refHashes, codeHashes } = scan;
    const held: number[] = [];
    for (let from = 0; from < scan.count; from += WARM_BATCH) {
      const to = Math.min(scan.count, from + WARM_BATCH);
      this.warmth ^=
        customers.warmSlots(refHashes, from, to) ^
        products.warmSlots(codeHashes, from, to) ^
        pairs.warm(refHashes, codeHashes, from, to) ^
        customers.warmValues(refHashes, from, to) ^
        products.warmValues(codeHashes, from, to);
      for (let k = from; k < to; k++) {
        const s = starts[k]!;
        const r = refEnds[k]!;
        const c = codeEnds[k]!;
        customers.addBytes(block, s, r, refHashes[k]!);
        products.addBytes(block, r + 1, c, codeHashes[k]!);
        if (
          pairs.add(refHashes[k]!, codeHashes[k]!) &&
          pairs.hold(block.toString('latin1', s, r), block.toString('latin1', r + 1, c), this.writer.currentChunk)
        ) {
          held.push(k);
        }
      }
    }
    this.counts.loaded += scan.count;
    this.seen += scan.count;
    this.queueText();
    if (scan.plain) {
      // Lines follow each other: pass the runs between held lines.
      let from = 0;
      for (const k of held) {
        if (starts[k]! > from) this.out.push(block.subarray(from, starts[k]));
        from = k + 1 < scan.count ? starts[k + 1]! : block.length;
      }
      if (from < block.length) this.out.push(from === 0 ? block : block.subarray(from));
      return;
    }
    const lines = Buffer.allocUnsafe(block.length);
    let at = 0;
    let h = 0;
    for (let k = 0; k < scan.count; k++) {
      if (held[h] === k) {
        h++;
        continue;
      }
      at += block.copy(lines, at, starts[k]!, codeEnds[k]!);
      lines[at++] = LF;
    }
    this.out.push(lines.subarray(0, at));
  }

  /** At the end of the file: a lone first record is data unless it looks like a header. */
  finish(): void {
    if (this.pending) this.settleHeader(undefined);
  }

  /** Sends what is queued: rejected rows to the report, rows to COPY (waiting while it is busy). */
  async flush(): Promise<void> {
    for (const e of this.rejected) await this.report.add(e);
    this.counts.rejected += this.rejected.length;
    this.rejected = [];
    for (const row of this.track.pairs.overflow ? this.track.pairs.release() : []) {
      const [ref, code] = row.split('\t') as [string, string];
      this.text += this.csvLine(ref, code);
    }
    this.queueText();
    for (const piece of this.out) await this.writer.write(piece);
    this.out = [];
    await this.writer.rotate(this.counts.loaded, this.bytesRead);
    await this.ctx.checkpoint();
    await this.ctx.progress(this.rowsRead);
  }

  /** Data rows read so far (what a job's progress counts): the records less the header. */
  get rowsRead(): number {
    return this.seen - (this.counts.header || this.pending ? 1 : 0);
  }

  private queueText(): void {
    if (this.text) this.out.push(this.text);
    this.text = '';
  }

  private take(r: CsvRecord): void {
    const ref = r.fields[0] ?? '';
    const code = r.fields[1] ?? '';
    const refHash = ref.length > MAX_LENGTH ? -1 : hashUnlessControl(ref);
    const codeHash = code.length > MAX_LENGTH ? -1 : hashUnlessControl(code);
    if (refHash < 0 || codeHash < 0 || ref === '' || code === '') {
      const refProblem = problemWith(ref, this.columns[0]!);
      const codeProblem = refProblem ? null : problemWith(code, this.columns[1]!);
      this.rejected.push({
        line: r.line,
        column: refProblem ? `1 (${this.columns[0]})` : `2 (${this.columns[1]})`,
        value: refProblem ? ref : code,
        message: (refProblem ?? codeProblem)!,
      });
      return;
    }
    this.counts.loaded++;
    const { pairs, customers, products } = this.track;
    customers.add(ref, refHash);
    products.add(code, codeHash);
    if (pairs.add(refHash, codeHash) && pairs.hold(ref, code, this.writer.currentChunk)) return;
    this.text += this.csvLine(ref, code);
  }

  private csvLine(ref: string, code: string): string {
    return `${quoted(ref)}${this.dialect.delimiter}${quoted(code)}\n`;
  }

  private settleHeader(next: CsvRecord | undefined): void {
    const first = this.pending!;
    this.pending = null;
    this.counts.header = looksLikeHeader(first.fields, next?.fields, HEADER_WORDS);
    if (this.counts.header) this.columns = headerNames(first);
    else this.take(first);
  }
}

const headerNames = (r: CsvRecord) => [r.fields[0] || 'customer reference', r.fields[1] || 'product code'];
