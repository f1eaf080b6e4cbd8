import type { CsvDialect, CsvRecord, ErrorReport, RowError } from '@customer-hub/csv';
import { isLineError, looksLikeHeader, readCsvBatches } from '@customer-hub/csv';
import { copyIn } from '@customer-hub/db';
import type { JobContext } from '@customer-hub/queue';
import type { PoolClient } from 'pg';
import type { DistinctValues, DuplicateSpotter } from './duplicates';

/** What the loader learns about the rows as they pass: repeated pairs, distinct customers and products. */
export interface RowTrackers {
  pairs: DuplicateSpotter;
  customers: DistinctValues;
  products: DistinctValues;
}

const MAX_LENGTH = 64;
const HEADER_WORDS = /customer|cust|client|account|debtor|ref|product|item|sku|article|code|number|no\b|id\b/i;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Text-format COPY escaping; control characters never get here (they are rejected). */
const esc = (v: string) => (v.includes('\\') ? v.replaceAll('\\', '\\\\') : v);

/**
 * FNV-1a hash of a value (as {@link fnv1a}), or a negative number when it holds a control character: one pass
 * over the characters does both, since every loaded value needs both.
 */
function hashUnlessControl(v: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return -1;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return h >>> 0;
}

function problemWith(value: string, what: string): string | null {
  if (value === '') return `${what} is empty`;
  if (value.length > MAX_LENGTH) return `${what} is longer than ${MAX_LENGTH} characters (${value.length})`;
  const c = CONTROL.exec(value);
  if (c)
    return `${what} contains a control character (U+${c[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')})`;
  return null;
}

export interface LoadCounts {
  loaded: number;
  rejected: number;
  header: boolean;
}

/**
 * Streams the upload into the version's table in one pass: split → validate → COPY, batch by batch (no await per
 * row), rejected rows into the error report.
 */
export async function loadRows(
  ctx: JobContext<'purchase-history'>,
  client: PoolClient,
  dialect: CsvDialect,
  table: string,
  report: ErrorReport,
  track: RowTrackers,
): Promise<LoadCounts> {
  const counts: LoadCounts = { loaded: 0, rejected: 0, header: false };
  const copy = copyIn(client, `COPY ${table} (customer_ref, product_code) FROM STDIN`);
  let columns = ['customer reference', 'product code'];
  let pending: CsvRecord | null = null;
  let seen = 0;
  let rejected: RowError[] = [];
  let buf = '';

  const take = (r: CsvRecord) => {
    const ref = r.fields[0] ?? '';
    const code = r.fields[1] ?? '';
    const refHash = ref.length > MAX_LENGTH ? -1 : hashUnlessControl(ref);
    const codeHash = code.length > MAX_LENGTH ? -1 : hashUnlessControl(code);
    if (refHash < 0 || codeHash < 0 || ref === '' || code === '') {
      const refProblem = problemWith(ref, columns[0]!);
      const codeProblem = refProblem ? null : problemWith(code, columns[1]!);
      rejected.push({
        line: r.line,
        column: refProblem ? `1 (${columns[0]})` : `2 (${columns[1]})`,
        value: refProblem ? ref : code,
        message: (refProblem ?? codeProblem)!,
      });
      return;
    }
    counts.loaded++;
    track.pairs.add(ref, code, refHash, codeHash);
    track.customers.add(ref, refHash);
    track.products.add(code, codeHash);
    buf += `${esc(ref)}\t${esc(code)}\n`;
  };
  const settleHeader = (next: CsvRecord | undefined) => {
    const first = pending!;
    pending = null;
    counts.header = looksLikeHeader(first.fields, next?.fields, HEADER_WORDS);
    if (counts.header) columns = headerNames(first);
    else take(first);
  };
  const flush = async () => {
    for (const e of rejected) await report.add(e);
    counts.rejected += rejected.length;
    rejected = [];
    if (buf && !copy.stream.write(buf)) await new Promise((r) => copy.stream.once('drain', r));
    buf = '';
  };

  try {
    for await (const batch of readCsvBatches(await ctx.files.read(ctx.params.inputFile), dialect)) {
      for (const item of batch) {
        seen++;
        if (isLineError(item)) {
          rejected.push({ line: item.line, column: '', value: '', message: item.error });
        } else if (seen === 1 && ctx.params.header !== false) {
          if (ctx.params.header) {
            counts.header = true;
            columns = headerNames(item);
          } else pending = item; // decide once the second record is known
        } else {
          if (pending) settleHeader(item);
          take(item);
        }
      }
      await flush();
      await ctx.checkpoint();
      await ctx.progress(seen);
    }
    if (pending) settleHeader(undefined);
    await flush();
    copy.stream.end();
    await copy.done;
  } catch (err) {
    copy.stream.destroy(err as Error);
    await copy.done.catch(() => {});
    throw err;
  }
  await ctx.progress(seen);
  return counts;
}

const headerNames = (r: CsvRecord) => [r.fields[0] || 'customer reference', r.fields[1] || 'product code'];
