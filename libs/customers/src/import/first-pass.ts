import { createHash, hash } from 'node:crypto';
import { type CsvItem, isLineError, readCsvBatches } from '@customer-hub/csv';
import { copyOut, copyText, type DataSource } from '@customer-hub/db';
import type { Layout } from './layout';
import { type Blank, cellAt } from './staging';

/**
 * A customer import reads its file in two passes. The first keeps each data row as it came (its cells joined
 * into one text), with its number and its group and catalogue codes. A row whose digest matches the one the
 * last import recorded for that customer, with the customer unchanged since (same row version) and its codes
 * still naming the customer's group and catalogue, is unchanged: the second pass checks and stages only the
 * other rows, read back from the first pass's table. A re-import of a million customers with a tenth of them
 * edited parses a tenth of its rows.
 */

/** Bump when checking or staging a row changes meaning: digests made under other rules then count for nothing. */
const DIGEST_RULES = 1;

/** Joins a row's cells in the first pass's table; a cell holding it keeps U+001E there instead (see below). */
const SEP = '\x1f';

export const rawStagingOf = (stage: string) => `${stage}_raw`;
export const pendingOf = (stage: string) => `${stage}_pending`;

export const createRawStagingSql = (raw: string) =>
  `CREATE UNLOGGED TABLE ${raw} (line int NOT NULL, number text COLLATE "C" NOT NULL, customer_group text,
    catalogue text, raw text NOT NULL)`;

/**
 * What a row's digest covers besides its cells: the rules, the header (which column means what) and the
 * options that change what a cell means.
 */
export function digestKey(header: string[], o: { keyColumn?: string; blank: Blank; separator: string }): string {
  return createHash('md5')
    .update(JSON.stringify([DIGEST_RULES, header, o.keyColumn ?? null, o.blank, o.separator]))
    .digest('hex');
}

/** A row's digest, in SQL over the first pass's table `r` (the key is hex: safe as a literal). */
export const digestSql = (key: string) => `md5('${key}' || r.raw)::uuid`;

/**
 * A row's cells as one text. A cell holding the joining character keeps U+001E there instead (in `fields` too,
 * so a row reads the same whether staged at once or read back), and the row splits back into the same cells;
 * every column rejects both control characters.
 */
export function joinCells(fields: string[]): string {
  for (let i = 0; i < fields.length; i++) {
    if (fields[i]!.includes(SEP)) fields[i] = fields[i]!.replaceAll(SEP, '\x1e');
  }
  return fields.join(SEP);
}

/** {@link digestSql}, made in Node for a row staged at once (as hex, which Postgres reads as a uuid). */
export const digestOf = (key: string, fields: string[]) => hash('md5', key + joinCells(fields));

/** Turns a data row into its first-pass COPY line. */
export class FirstPass {
  private readonly group: number | undefined;
  private readonly catalogue: number | undefined;

  constructor(layout: Layout) {
    const at = (column: string) => layout.scalars.find((s) => s.field.column === column)?.index;
    this.group = at('customer_group');
    this.catalogue = at('catalogue');
  }

  private code(fields: string[], index: number | undefined): string {
    if (index === undefined) return '\\N';
    const v = cellAt(fields, index);
    return v === '' ? '\\N' : copyText(v);
  }

  /** The COPY line of a data row with a valid `number`. */
  line(line: number, number: string, fields: string[]): string {
    const raw = joinCells(fields);
    const codes = `${this.code(fields, this.group)}\t${this.code(fields, this.catalogue)}`;
    return `${line}\t${copyText(number)}\t${codes}\t${copyText(raw)}\n`;
  }
}

/**
 * SQL that keeps the lines the second pass must read: every first-pass row not already reported (`problems`)
 * unless the digest shortcut shows it unchanged. `account` is a SQL literal (a utility statement takes no
 * bind parameters).
 */
export function pendingSql(stage: string, problems: string, account: string, key: string): string {
  const digest = digestSql(key);
  return `CREATE UNLOGGED TABLE ${pendingOf(stage)} AS
    SELECT r.line, ${digest} AS digest FROM ${rawStagingOf(stage)} r
      LEFT JOIN customers c ON c.account_id = ${account} AND c.customer_number = r.number
      LEFT JOIN customer_import_digests d ON d.account_id = ${account} AND d.customer_id = c.id
      LEFT JOIN customer_groups g ON g.account_id = ${account} AND g.code = r.customer_group
      LEFT JOIN catalogues k ON k.account_id = ${account} AND k.code = r.catalogue
    WHERE NOT EXISTS (SELECT FROM ${problems} p WHERE p.line = r.line)
      AND NOT coalesce(c.deleted_at IS NULL AND d.row_xmin = c.xmin AND d.digest = ${digest}
        AND (r.customer_group IS NULL OR g.id = c.group_id) AND (r.catalogue IS NULL OR k.id = c.catalogue_id), false)`;
}

/** A pending row as the second pass reads it: its line, digest and cells. */
export interface PendingRow {
  line: number;
  digest: string;
  fields: string[];
}

/** The pending rows in line order, in batches, read back from the first pass's table (a stream: flat memory). */
export async function* readPendingBatches(ds: DataSource, stage: string): AsyncGenerator<PendingRow[]> {
  const source = await copyOut(
    ds,
    `COPY (SELECT p.line, p.digest, r.raw FROM ${pendingOf(stage)} p JOIN ${rawStagingOf(stage)} r ON r.line = p.line
       ORDER BY p.line) TO STDOUT WITH (FORMAT csv)`,
  );
  for await (const items of readCsvBatches(source, { encoding: 'utf-8', delimiter: ',' })) {
    yield items.map((item: CsvItem) => {
      if (isLineError(item)) throw new Error(`reading back the staged rows: ${item.error}`);
      const [line, digest, raw] = item.fields as [string, string, string];
      return { line: Number(line), digest, fields: raw.split(SEP) };
    });
  }
}
