import { type CsvDialect, ErrorReport, isLineError, lineErrorRow, readCsv, resolveDialect } from '@customer-hub/csv';
import { copyRows, type EntityManager, sqlRows, withPgClient } from '@customer-hub/db';
import { type JobContext, JobInputError, type JobOutcome, jobFile, type TwoPhase } from '@customer-hub/queue';

const MAX_CODE = 64;
const MAX_NAME = 500;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const CODE_HEADER = /^(product[ _-]?)?(code|sku|no|number|id)$|^stock ?code$|^article/i;
const NAME_HEADER = /^(product[ _-]?)?(name|description|title)$/i;

/** Staging table of one import job (its id is a uuid we made: hex only). */
export const productStagingOf = (jobRunId: string) => `product_stage_${jobRunId.replaceAll('-', '')}`;

interface Layout {
  code: number;
  name: number;
  /** Product data columns: header name and position in the file. */
  data: { name: string; index: number }[];
}

function layoutOf(header: string[]): Layout | string {
  const names = header.map((h) => h.trim());
  const dup = names.find((n, i) => n !== '' && names.indexOf(n) !== i);
  if (dup) return `the header names the column "${dup}" twice`;
  const code = Math.max(
    names.findIndex((n) => CODE_HEADER.test(n)),
    0,
  );
  let name = names.findIndex((n, i) => i !== code && NAME_HEADER.test(n));
  if (name === -1) name = code === 0 ? 1 : 0;
  if (names.length < 2) return 'the file needs at least two columns: product code and name';
  const data = names.flatMap((n, index) =>
    index === code || index === name ? [] : [{ name: n || `column ${index + 1}`, index }],
  );
  return { code, name, data };
}

function rowProblem(code: string, name: string): { column: 'code' | 'name'; message: string } | null {
  if (code === '') return { column: 'code', message: 'product code is empty' };
  if (code.length > MAX_CODE) return { column: 'code', message: `product code is longer than ${MAX_CODE} characters` };
  if (CONTROL.test(code)) return { column: 'code', message: 'product code contains a control character' };
  if (name === '') return { column: 'name', message: 'product name is empty' };
  if (name.length > MAX_NAME) return { column: 'name', message: `product name is longer than ${MAX_NAME} characters` };
  return null;
}

async function loadStaging(ctx: JobContext<'product-import'>, dialect: CsvDialect, stage: string, report: ErrorReport) {
  let layout: Layout | null = null;
  let header: string[] | undefined;
  let loaded = 0;
  let seen = 0;
  // What a job's progress counts: data rows, not the header.
  const rowsRead = () => seen - (layout ? 1 : 0);
  await withPgClient(ctx.ds, async (client) => {
    await client.query(`DROP TABLE IF EXISTS ${stage}`);
    await client.query(
      `CREATE UNLOGGED TABLE ${stage} (line int, code text COLLATE "C", name text, data jsonb, columns jsonb)`,
    );
    // Valid rows stream straight into COPY; rejected ones into the report.
    async function* rows(): AsyncGenerator<string[]> {
      for await (const item of readCsv(await ctx.files.read(ctx.params.inputFile), dialect)) {
        if (++seen % 16_384 === 0) {
          await ctx.checkpoint();
          await ctx.progress(rowsRead());
        }
        if (isLineError(item)) {
          await report.add(lineErrorRow(item, header));
          continue;
        }
        if (!layout) {
          const l = layoutOf(item.fields);
          if (typeof l === 'string') throw new JobInputError(`The product file's header row is not usable: ${l}.`);
          layout = l;
          header = item.fields;
          continue;
        }
        const code = item.fields[layout.code] ?? '';
        const name = item.fields[layout.name] ?? '';
        const problem = rowProblem(code, name);
        if (problem) {
          const header = problem.column === 'code' ? layout.code : layout.name;
          await report.add({
            line: item.line,
            column: `${header + 1} (${problem.column === 'code' ? 'product code' : 'name'})`,
            value: problem.column === 'code' ? code : name,
            message: problem.message,
          });
          continue;
        }
        const data: Record<string, string> = {};
        for (const c of layout.data) data[c.name] = item.fields[c.index] ?? '';
        loaded++;
        yield [String(item.line), code, name, JSON.stringify(data)];
      }
    }
    await copyRows(client, `${stage} (line, code, name, data)`, rows());
    if (layout) {
      await client.query(`UPDATE ${stage} SET columns = $1 WHERE line = (SELECT min(line) FROM ${stage})`, [
        JSON.stringify(layout.data.map((d) => d.name)),
      ]);
    }
  });
  await ctx.progress(rowsRead(), rowsRead());
  return { loaded, layout: layout as Layout | null };
}

/**
 * Product catalogue import: validates the file into a staging table and reports what it would create, update
 * or leave unchanged; the upsert itself runs in the transaction that settles the job (or on commit).
 */
export async function importProducts(ctx: JobContext<'product-import'>): Promise<JobOutcome> {
  const { ds, files, run, params } = ctx;
  const dialect = await resolveDialect(files, params);
  const stage = productStagingOf(run.id);
  const report = new ErrorReport(files, `jobs/${run.id}/errors.csv`);
  let loaded: number;
  let layout: Layout | null;
  try {
    ({ loaded, layout } = await loadStaging(ctx, dialect, stage, report));
  } catch (err) {
    await report.close().catch(() => {});
    await ds.query(`DROP TABLE IF EXISTS ${stage}`);
    throw err;
  }
  const errors = await report.close();
  const errorFile = jobFile('errors.csv', errors);
  const fail = async (message: string) => {
    await ds.query(`DROP TABLE IF EXISTS ${stage}`);
    return new JobInputError(message, report.count ? [errorFile] : [], { loaded, rejected: report.count });
  };
  if (!layout)
    throw await fail('The product file is empty: it needs a header row (product code, name, …) and data rows.');
  if (report.count > params.maxErrors) {
    throw await fail(
      `${report.count} row(s) were rejected, more than maxErrors=${params.maxErrors}; nothing was changed. See errors.csv.`,
    );
  }
  if (loaded === 0) throw await fail('The product file has a header row but no valid data rows.');

  const [c] = await sqlRows<{ created: number; updated: number; unchanged: number; duplicates: number }>(
    ds,
    `WITH last AS (SELECT DISTINCT ON (code) code, name, data FROM ${stage} ORDER BY code, line DESC)
     SELECT count(*) FILTER (WHERE p.code IS NULL)::int AS created,
            count(*) FILTER (WHERE p.code IS NOT NULL AND (p.name, p.data) IS DISTINCT FROM (l.name, l.data))::int AS updated,
            count(*) FILTER (WHERE p.code IS NOT NULL AND (p.name, p.data) IS NOT DISTINCT FROM (l.name, l.data))::int AS unchanged,
            ((SELECT count(*) FROM ${stage}) - count(*))::int AS duplicates
     FROM last l LEFT JOIN products p ON p.account_id = $1 AND p.code = l.code`,
    [run.accountId],
  );
  return {
    counts: { ...c!, rejected: report.count },
    files: report.count ? [errorFile] : [],
    state: params.validateOnly ? 'awaiting_commit' : 'succeeded',
    commit: params.validateOnly ? undefined : (m) => applyProductImport(m, run.accountId, run.id),
  };
}

/** Upserts the staged products (the last line wins for a code given twice) and drops the staging table. */
export async function applyProductImport(m: EntityManager, accountId: string, jobRunId: string): Promise<void> {
  const stage = productStagingOf(jobRunId);
  const [cols] = await sqlRows<{ columns: string[] | null }>(
    m,
    `SELECT columns FROM ${stage} WHERE columns IS NOT NULL LIMIT 1`,
  );
  await m.query(
    `INSERT INTO product_columns (account_id, position, name)
     SELECT $1, coalesce((SELECT max(position) FROM product_columns WHERE account_id = $1), 0) + row_number() OVER (ORDER BY ord), name
     FROM jsonb_array_elements_text($2::jsonb) WITH ORDINALITY AS t(name, ord)
     WHERE NOT EXISTS (SELECT 1 FROM product_columns c WHERE c.account_id = $1 AND c.name = t.name)`,
    [accountId, JSON.stringify(cols?.columns ?? [])],
  );
  await m.query(
    `INSERT INTO products (account_id, code, name, data)
     SELECT DISTINCT ON (code) $1::uuid, code, name, data FROM ${stage} ORDER BY code, line DESC
     ON CONFLICT (account_id, code) DO UPDATE SET name = excluded.name, data = excluded.data, updated_at = now()
     WHERE (products.name, products.data) IS DISTINCT FROM (excluded.name, excluded.data)`,
    [accountId],
  );
  await m.query(`DROP TABLE ${stage}`);
}

/** Commit of a validate-only product import: applies its staging table; a cancel drops it. */
export const productImportTwoPhase: TwoPhase = {
  commit: (m, run) => applyProductImport(m, run.accountId, run.id),
  tidy: async ({ ds }, run) => void (await ds.query(`DROP TABLE IF EXISTS ${productStagingOf(run.id)}`)),
};
