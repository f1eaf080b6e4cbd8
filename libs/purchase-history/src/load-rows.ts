import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import type { CsvDialect, CsvItem, CsvRecord, ErrorReport, RowError } from '@customer-hub/csv';
import { ChunkDecoder, CsvSplitter, isLineError, looksLikeHeader, readCsvBatches } from '@customer-hub/csv';
import type { JobContext } from '@customer-hub/queue';
import { type DistinctValues, type DuplicateSpotter, hashUnlessControl } from './duplicates';
import { LineScan } from './line-scan';
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

const MAX_LENGTH = 64;
const HEADER_WORDS = /customer|cust|client|account|debtor|ref|product|item|sku|article|code|number|no\b|id\b/i;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LF = 10;
const CR = 13;
/** A line longer than this without a line end is handed to the CSV reader rather than held. */
const MAX_CARRY = 1 << 20;

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

/**
 * Streams the upload into the version's table in one pass, rejected rows into the error report.
 *
 * COPY reads CSV in the upload's own delimiter, so most of a UTF-8 file goes to Postgres as the bytes it came
 * in: a block of lines that {@link LineScan} finds common (two plain keys, maybe ignored columns) is checked,
 * hashed for the trackers and passed on without a string per row. Any other block (the header, quoting, a bad
 * row, another encoding) goes through the full CSV reader, row by row, as before; both meet in the same COPY.
 */
export async function loadRows(
  ctx: JobContext<'purchase-history'>,
  writer: VersionWriter,
  dialect: CsvDialect,
  report: ErrorReport,
  track: RowTrackers,
): Promise<LoadCounts> {
  const rows = new RowSink(ctx, writer, dialect, report, track);
  const source = await ctx.files.read(ctx.params.inputFile);
  try {
    if (dialect.encoding === 'utf-8') await readUtf8(source, dialect, rows);
    else {
      for await (const batch of readCsvBatches(source, dialect)) {
        rows.records(batch);
        await rows.flush();
      }
    }
    rows.finish();
    await rows.flush();
    await writer.end();
  } catch (err) {
    source.destroy();
    await writer.abort(err as Error);
    throw err;
  }
  await ctx.progress(rows.seen);
  return rows.counts;
}

/** Reads a UTF-8 upload in blocks of whole lines: common blocks by {@link LineScan}, the rest by the CSV reader. */
async function readUtf8(source: Readable, dialect: CsvDialect, rows: RowSink): Promise<void> {
  const decoder = new ChunkDecoder('utf-8');
  const splitter = new CsvSplitter(dialect.delimiter);
  const scan = new LineScan(dialect.delimiter.charCodeAt(0), MAX_LENGTH);
  let line = 1; // the line the next block starts on, while the splitter is between records
  const read = (block: Buffer) => {
    if (splitter.idle) splitter.line = line;
    const out: CsvItem[] = [];
    splitter.push(decoder.decode(block), false, out);
    rows.records(out);
    line = splitter.line;
  };
  let carry: Buffer | null = null;
  for await (const chunk of source as AsyncIterable<Buffer>) {
    rows.bytesRead += chunk.length;
    const data: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    let cut = data.lastIndexOf(LF);
    if (cut < 0) cut = data.lastIndexOf(CR);
    if (cut < 0 && data.length < MAX_CARRY) {
      carry = data;
      continue;
    }
    const end = cut < 0 ? data.length : cut + 1;
    const block = data.subarray(0, end);
    carry = end < data.length ? data.subarray(end) : null;
    if (rows.settled && splitter.idle && isUtf8(block) && scan.scan(block, 0, block.length)) {
      decoder.skip(block.length, scan.count);
      line += scan.count;
      rows.scanned(block, scan);
    } else read(block);
    await rows.flush();
  }
  if (carry) read(carry);
  const out: CsvItem[] = [];
  splitter.push(decoder.end(), true, out);
  rows.records(out);
}

/** Where read rows go: checked, tracked and queued for COPY; rejected ones queued for the error report. */
class RowSink {
  readonly counts: LoadCounts = { loaded: 0, rejected: 0, header: false };
  seen = 0;
  /** How much of the file has been read, where the reader counts it (0: unknown). */
  bytesRead = 0;
  private columns = ['customer reference', 'product code'];
  private pending: CsvRecord | null = null;
  private rejected: RowError[] = [];
  private text = '';
  private out: (string | Buffer)[] = [];

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
        this.rejected.push({ line: item.line, column: '', value: '', message: item.error });
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
    for (let k = 0; k < scan.count; k++) {
      const s = starts[k]!;
      const r = refEnds[k]!;
      const c = codeEnds[k]!;
      customers.addBytes(block, s, r, refHashes[k]!);
      products.addBytes(block, r + 1, c, codeHashes[k]!);
      if (
        pairs.add(refHashes[k]!, codeHashes[k]!) &&
        pairs.hold(block.toString('latin1', s, r), block.toString('latin1', r + 1, c))
      ) {
        held.push(k);
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
    await this.ctx.progress(this.seen);
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
    if (pairs.add(refHash, codeHash) && pairs.hold(ref, code)) return;
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
