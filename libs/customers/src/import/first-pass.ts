import { createHash } from 'node:crypto';
import {
  type CsvDialect,
  type CsvItem,
  type CsvLineError,
  type CsvRecord,
  isLineError,
  readCsvBatches,
} from '@customer-hub/csv';
import { copyOut, copyText } from '@customer-hub/db';
import type { JobContext } from '@customer-hub/queue';
import { cellAt } from './cells';
import type { Layout } from './layout';
import { readCsvRecordsAt } from './records';
import type { Blank } from './staging';

/**
 * A customer import whose header and options the account has imported with before reads its file in two
 * passes (others read in one: see customer-import.service.ts). The first keeps each data row's line, number,
 * group and catalogue codes and digest. A row whose digest matches the one the last import recorded for that
 * customer, with the customer unchanged since (same row version) and its codes still naming the customer's
 * group and catalogue, is unchanged: the second pass checks and stages only the other rows. A re-import of a
 * million customers with a tenth of them edited parses a tenth of its rows.
 *
 * The second pass gets a CSV row's cells from the file itself: the first pass keeps where each row's text is
 * in the file, and the second decodes the file again and splits only the pending rows' text (sending every
 * row's text to Postgres and back cost more: a 1M-row read took 8.6 s with it). So the first pass splits a CSV
 * row only as far as the columns it keeps ({@link FirstPass.upTo}), and a CSV row's digest is of its text (see
 * {@link recordDigest}). A workbook's XML costs far more to read twice, so the first pass keeps a workbook row's
 * cells instead, joined into one text.
 */

/** Bump when checking or staging a row changes meaning: digests made under other rules then count for nothing. */
const DIGEST_RULES = 4;

/** Joins a row's cells in the first pass's table; a cell holding it keeps U+001E there instead (see below). */
const SEP = '\x1f';

export const rawStagingOf = (stage: string) => `${stage}_raw`;
export const pendingOf = (stage: string) => `${stage}_pending`;

type Ctx = JobContext<'customer-import'>;

export const createRawStagingSql = (raw: string) =>
  `CREATE UNLOGGED TABLE ${raw} (line int NOT NULL, number text COLLATE "C" NOT NULL, customer_group text,
    catalogue text, digest bigint NOT NULL, raw text, span_start bigint, span_end bigint)`;

/** Where a row's digest starts: what it covers besides its cells (see {@link digestKey}). */
export type DigestKey = readonly [number, number];

/**
 * What a row's digest covers besides its text or cells: the rules, the header (which column means what), the
 * options that change what a cell means, and how a CSV's text splits into cells (its delimiter; `dialect` is
 * null for a workbook, whose digests are of cells).
 */
export function digestKey(
  header: string[],
  o: { keyColumn?: string; blank: Blank; separator: string; dialect: CsvDialect | null },
): DigestKey {
  const split = o.dialect ? `csv ${o.dialect.delimiter}` : 'cells';
  const hex = createHash('md5')
    .update(JSON.stringify([DIGEST_RULES, header, o.keyColumn ?? null, o.blank, o.separator, split]))
    .digest('hex');
  return [Number.parseInt(hex.slice(0, 8), 16) | 0, Number.parseInt(hex.slice(8, 16), 16) | 0];
}

/**
 * A row's digest: 53 bits of two multiply-xor lanes (cyrb53's) over each cell's length and characters, from
 * the key. A quarter of the cost of md5 over the joined cells, which took 3 µs a row. A changed row that kept
 * its digest would be read as unchanged: at 2^-53 a row, that is never in practice.
 */
export function rowDigest([k1, k2]: DigestKey, fields: string[]): number {
  let h1 = k1;
  let h2 = k2;
  for (let f = 0; f < fields.length; f++) {
    const v = fields[f]!;
    // The length first (above any UTF-16 unit): cells split differently never read the same.
    h1 = Math.imul(h1 ^ (v.length + 0x10000), 2654435761);
    h2 = Math.imul(h2 ^ (v.length + 0x10000), 1597334677);
    for (let i = 0; i < v.length; i++) {
      const ch = v.charCodeAt(i);
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
    }
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/**
 * A record's digest: of its text where read from a CSV (the same text in the same dialect splits into the same
 * cells, and a pass that splits only some columns has it), else of its cells.
 */
export const recordDigest = (key: DigestKey, record: CsvRecord) =>
  rowDigest(key, record.text === undefined ? record.fields : [record.text]);

/**
 * A row's cells as one text, to split back in pass two. A cell holding the joining character keeps U+001E
 * there instead, so the row splits back into the same cells; every column rejects both control characters.
 */
function joinCells(fields: string[]): string {
  for (let i = 0; i < fields.length; i++) {
    if (fields[i]!.includes(SEP)) fields[i] = fields[i]!.replaceAll(SEP, '\x1e');
  }
  return fields.join(SEP);
}

/**
 * Turns a data row into its first-pass COPY line: for a workbook (no CSV `dialect`), the line holds the row's
 * cells too; for a CSV, where its text is in the file (the record's span).
 */
export class FirstPass {
  private readonly group: number | undefined;
  private readonly catalogue: number | undefined;
  /** The last column this pass reads (the number's, the group's or the catalogue's): a CSV is split up to it. */
  readonly upTo: number;

  constructor(
    layout: Layout,
    private readonly key: DigestKey,
    private readonly dialect: CsvDialect | null,
  ) {
    const at = (column: string) => layout.scalars.find((s) => s.field.column === column)?.index;
    this.group = at('customer_group');
    this.catalogue = at('catalogue');
    this.upTo = Math.max(layout.key, this.group ?? 0, this.catalogue ?? 0);
  }

  private code(fields: string[], index: number | undefined): string {
    if (index === undefined) return '\\N';
    const v = cellAt(fields, index);
    return v === '' ? '\\N' : copyText(v);
  }

  /** The COPY line of a data row with a valid `number`. */
  line(record: CsvRecord, number: string): string {
    const { line, fields, start, end } = record;
    const digest = recordDigest(this.key, record);
    const codes = `${this.code(fields, this.group)}\t${this.code(fields, this.catalogue)}`;
    const at = this.dialect ? `\\N\t${start}\t${end}` : `${copyText(joinCells(fields))}\t\\N\t\\N`;
    return `${line}\t${copyText(number)}\t${codes}\t${digest}\t${at}\n`;
  }
}

/**
 * The account's customers whose recorded digest still holds (the customer unchanged since: same row version),
 * each with its number, digest and group and catalogue codes. It reads no file, so it is gathered on a
 * connection of its own while the first pass reads the file ({@link pendingSql} then joins two narrow tables
 * instead of scanning customers after the read). A customer changed after it was gathered has its change kept:
 * the import reads customers as they were when it started.
 */
export const knownOf = (stage: string) => `${stage}_known`;

/** SQL that gathers {@link knownOf}; `account` is a SQL literal (a utility statement takes no bind parameters). */
export const knownDigestsSql = (stage: string, account: string) =>
  `CREATE UNLOGGED TABLE ${knownOf(stage)} AS
    SELECT c.customer_number AS number, d.digest, g.code AS customer_group, k.code AS catalogue
    FROM customers c
      JOIN customer_import_digests d ON d.account_id = ${account} AND d.customer_id = c.id AND d.row_xmin = c.xmin
      LEFT JOIN customer_groups g ON g.account_id = ${account} AND g.id = c.group_id
      LEFT JOIN catalogues k ON k.account_id = ${account} AND k.id = c.catalogue_id
    WHERE c.account_id = ${account} AND c.deleted_at IS NULL`;

/**
 * SQL that keeps the rows the second pass must read, with where their text is (so it reads this table alone):
 * every first-pass row not already reported (`problems`) unless a known digest shows it unchanged, with its
 * group and catalogue codes naming the customer's.
 */
export function pendingSql(stage: string, problems: string): string {
  return `CREATE UNLOGGED TABLE ${pendingOf(stage)} AS
    SELECT r.line, r.digest, r.raw, r.span_start, r.span_end FROM ${rawStagingOf(stage)} r
      LEFT JOIN ${knownOf(stage)} n ON n.number = r.number
    WHERE NOT EXISTS (SELECT FROM ${problems} p WHERE p.line = r.line)
      AND NOT coalesce(n.digest = r.digest AND (r.customer_group IS NULL OR r.customer_group = n.customer_group)
        AND (r.catalogue IS NULL OR r.catalogue = n.catalogue), false)`;
}

/** A pending row as the second pass reads it: its line, digest and cells, or why it can't be split. */
export type PendingRow = { line: number; digest: string; fields: string[] } | CsvLineError;

/** The pending rows' columns `cols`, in line order, in batches (a stream: flat memory). */
async function* readBack(ctx: Ctx, stage: string, cols: string): AsyncGenerator<string[][]> {
  const source = await copyOut(
    ctx.ds,
    `COPY (SELECT ${cols} FROM ${pendingOf(stage)} ORDER BY line) TO STDOUT WITH (FORMAT csv)`,
  );
  // Text Postgres wrote of cells staged here: a workbook row may be longer than a file's record may be.
  const unbounded = { maxRecordChars: Number.POSITIVE_INFINITY };
  for await (const items of readCsvBatches(source, { encoding: 'utf-8', delimiter: ',' }, unbounded)) {
    yield items.map((item: CsvItem) => {
      if (isLineError(item)) throw new Error(`reading back the staged rows: ${item.error}`);
      return item.fields;
    });
  }
}

/** Where a pending CSV row's text is in the file, with its line and digest. */
interface PendingSpan {
  line: number;
  digest: string;
  start: number;
  end: number;
}

/**
 * The pending rows in line order, in batches: a workbook's cells as the first pass's table kept them, or a
 * CSV's split again from the file, in the `dialect` the first pass read it in, at the spans that pass kept.
 */
export async function* readPendingBatches(
  ctx: Ctx,
  stage: string,
  dialect: CsvDialect | null,
): AsyncGenerator<PendingRow[]> {
  if (!dialect) {
    for await (const rows of readBack(ctx, stage, 'line, digest, raw')) {
      yield rows.map(([line, digest, raw]) => ({ line: Number(line), digest: digest!, fields: raw!.split(SEP) }));
    }
    return;
  }
  async function* spans(): AsyncGenerator<PendingSpan[]> {
    for await (const rows of readBack(ctx, stage, 'line, digest, span_start, span_end')) {
      yield rows.map(([line, digest, start, end]) => ({
        line: Number(line),
        digest: digest!,
        start: Number(start),
        end: Number(end),
      }));
    }
  }
  for await (const found of readCsvRecordsAt(ctx, dialect, spans())) {
    yield found.map((r) =>
      'error' in r
        ? { line: r.span.line, error: r.error, column: r.column, value: r.value }
        : { line: r.span.line, digest: r.span.digest, fields: r.fields },
    );
  }
}
