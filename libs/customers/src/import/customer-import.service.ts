import { type CsvItem, ErrorReport, isLineError } from '@customer-hub/csv';
import { analyzeIfStale, copyLineBatches, inBulkTransaction, type PoolClient, withPgClient } from '@customer-hub/db';
import { type JobContext, JobInputError, type JobOutcome, jobFile, phaseTimer } from '@customer-hub/queue';
import { countOutcomes, dropCustomerStaging } from './apply';
import { type Layout, LayoutError, layoutOf } from './layout';
import { readRecordBatches } from './records';
import { resolveJoins } from './resolve-sql';
import { createStagingSql, customerStagingOf, RowStager, STAGED_COLUMNS } from './staging';

type Ctx = JobContext<'customer-import'>;

interface Loaded {
  layout: Layout | null;
  header: string[];
  seen: number;
}

/** Reads the file into the staging table; rows with a bad cell go to the report instead. */
async function loadStaging(ctx: Ctx, client: PoolClient, stage: string, report: ErrorReport): Promise<Loaded> {
  const { params } = ctx;
  const state: Loaded = { layout: null, header: [], seen: 0 };
  await client.query(`DROP TABLE IF EXISTS ${stage}`);
  await client.query(createStagingSql(stage));
  let stager: RowStager | null = null;
  const options = { blank: params.blank, separator: params.separator, deleting: params.mode === 'delete' };
  /** Turns one batch of records into staging rows' COPY lines; rejected rows and unknown columns go to the report. */
  async function stageBatch(items: CsvItem[]): Promise<string[]> {
    const out: string[] = [];
    for (const item of items) {
      state.seen++;
      if (isLineError(item)) {
        await report.add({ line: item.line, column: '', value: '', message: item.error });
        continue;
      }
      if (!stager) {
        try {
          state.layout = layoutOf(item.fields, params.keyColumn);
        } catch (err) {
          if (err instanceof LayoutError) {
            throw new JobInputError(`The header row (line ${item.line}) is not usable: ${err.message}.`);
          }
          throw err;
        }
        state.header = item.fields;
        stager = new RowStager(state.layout, state.header, options);
        for (const u of state.layout.unknown) {
          await report.add({
            line: item.line,
            column: `${u.index + 1} (${u.header})`,
            value: u.header,
            message: 'warning: unknown column, ignored',
          });
        }
        continue;
      }
      const staged = stager.stage(item.line, item.fields);
      if (!Array.isArray(staged)) {
        await report.add({ line: item.line, ...staged });
        continue;
      }
      out.push(stager.copyLine(staged));
    }
    return out;
  }
  async function* batches(): AsyncGenerator<string[]> {
    for await (const items of readRecordBatches(ctx)) {
      yield await stageBatch(items);
      await ctx.checkpoint();
      await ctx.progress(state.seen);
    }
  }
  await copyLineBatches(client, `${stage} (line, number, ${STAGED_COLUMNS.join(', ')})`, batches());
  // The columns the checks and the count join and filter on: the others' statistics took two thirds of the time.
  await client.query(`ANALYZE ${stage} (line, number, customer_group, catalogue, name)`);
  return state;
}

/**
 * Checks that need the database or the whole file: a number given twice, unknown group or catalogue codes, a
 * new customer without a name (rejected); and what the mode leaves alone (skipped). Those rows leave staging;
 * each goes to the report.
 */
async function checkStaging(client: PoolClient, ctx: Ctx, stage: string, loaded: Loaded, report: ErrorReport) {
  const { params, run } = ctx;
  const problems = `${stage}_problems`;
  await client.query(`DROP TABLE IF EXISTS ${problems}`);
  await client.query(
    `CREATE UNLOGGED TABLE ${problems} (line int, col text, value text, message text, skipped boolean)`,
  );
  const joins = resolveJoins(stage);
  const layout = loaded.layout!;
  const where = (i: number) => `${i + 1} (${loaded.header[i]?.trim()})`;
  const whereField = (column: string) => {
    const at = layout.scalars.find((s) => s.field.column === column);
    if (at) return where(at.index);
    if (column === 'name' && layout.nameParts.length) return where(layout.nameParts[0]!);
    return `${column} (no such column)`;
  };
  const checks: string[] = [
    `SELECT line, $2, number, 'customer number ' || number || ' already appears on line ' || first || '; give each customer once', false
     FROM (SELECT line, number, min(line) OVER (PARTITION BY number) AS first FROM ${stage}) d WHERE line <> first`,
  ];
  if (params.mode !== 'delete') {
    checks.push(
      `SELECT s.line, $3, s.customer_group, 'no customer group has the code ' || s.customer_group, false
       FROM ${joins} WHERE s.customer_group <> '' AND g.id IS NULL`,
      `SELECT s.line, $4, s.catalogue, 'no catalogue has the code ' || s.catalogue, false
       FROM ${joins} WHERE s.catalogue <> '' AND k.id IS NULL`,
      `SELECT s.line, $5, '', 'name is required for a new customer', false
       FROM ${joins} WHERE c.id IS NULL AND coalesce(s.name, '') = ''`,
    );
  }
  if (params.mode === 'create') {
    checks.push(
      `SELECT s.line, $2, s.number, 'skipped: customer ' || s.number || ' already exists (mode=create leaves it alone)', true
       FROM ${joins} WHERE c.id IS NOT NULL`,
    );
  }
  if (params.mode === 'update' || params.mode === 'delete') {
    checks.push(
      `SELECT s.line, $2, s.number, 'skipped: no customer has the number ' || s.number, true
       FROM ${joins} WHERE c.id IS NULL`,
    );
  }
  // A row is reported once, for its first problem; the joins need the account ($1).
  await client.query(
    `INSERT INTO ${problems} SELECT DISTINCT ON (line) * FROM (${checks.join(' UNION ALL ')}) p ORDER BY line, 5`,
    [
      run.accountId,
      where(layout.key),
      ...(params.mode === 'delete' ? [] : [whereField('customer_group'), whereField('catalogue'), whereField('name')]),
    ],
  );
  await client.query(`DELETE FROM ${stage} s USING ${problems} p WHERE s.line = p.line`);
  let after = 0;
  let rejected = 0;
  let skipped = 0;
  for (;;) {
    const { rows } = await client.query<{
      line: number;
      col: string;
      value: string;
      message: string;
      skipped: boolean;
    }>(`SELECT * FROM ${problems} WHERE line > $1 ORDER BY line LIMIT 10000`, [after]);
    for (const p of rows) {
      await report.add({ line: p.line, column: p.col, value: p.value ?? '', message: p.message });
      if (p.skipped) skipped++;
      else rejected++;
    }
    if (rows.length < 10000) break;
    after = rows.at(-1)!.line;
  }
  await client.query(`DROP TABLE ${problems}`);
  return { rejected, skipped };
}

/**
 * Customer import, phase one: reads and checks the whole file into a staging table and counts what it would
 * create, update, leave unchanged or delete. Phase two ({@link customerImportTwoPhase}) applies it in chunks, at
 * once or on commit after `validateOnly`; until then nothing stored has changed.
 */
export async function importCustomers(ctx: Ctx): Promise<JobOutcome> {
  const { ds, files, run, params } = ctx;
  const stage = customerStagingOf(run.id);
  const report = new ErrorReport(files, `jobs/${run.id}/errors.csv`);
  const timer = phaseTimer(ctx.logger, 'customer-import');
  let rowErrors = 0;
  let checked: { rejected: number; skipped: number };
  let loaded: Loaded;
  try {
    ({ loaded, checked } = await withPgClient(ds, async (client) => {
      const l = await loadStaging(ctx, client, stage, report);
      timer.done('load');
      rowErrors = report.count - (l.layout?.unknown.length ?? 0);
      if (!l.layout) return { loaded: l, checked: { rejected: 0, skipped: 0 } };
      // The checks and the count join the whole file against customers: plan them for its current size.
      await analyzeIfStale(ctx.ds, 'customers');
      const c = await inBulkTransaction(client, () => checkStaging(client, ctx, stage, l, report));
      timer.done('check');
      return { loaded: l, checked: c };
    }));
  } catch (err) {
    await report.close().catch(() => {});
    await dropCustomerStaging(ds, run.id);
    throw err;
  }
  const errors = await report.close();
  const errorFile = jobFile('errors.csv', errors);
  const rejected = rowErrors + checked.rejected;
  const base = { rejected, skipped: checked.skipped, warnings: loaded.layout?.unknown.length ?? 0 };
  const fail = async (message: string) => {
    await dropCustomerStaging(ds, run.id);
    return new JobInputError(message, report.count ? [errorFile] : [], base);
  };
  if (!loaded.layout) throw await fail('The customer file is empty: it needs a header row and data rows.');
  if (rejected > params.maxErrors) {
    throw await fail(
      `${rejected} row(s) were rejected, more than maxErrors=${params.maxErrors}; nothing was changed. See errors.csv.`,
    );
  }
  if (loaded.seen <= 1) throw await fail('The customer file has a header row but no data rows.');
  await ctx.progress(loaded.seen, loaded.seen);
  const layout = loaded.layout;
  const outcomes = await withPgClient(ds, (client) =>
    inBulkTransaction(client, () => countOutcomes(ctx, client, stage, layout)),
  );
  const counts = { ...outcomes, ...base };
  timer.done('count');
  return {
    counts,
    files: report.count ? [errorFile] : [],
    // Applied by customerImportTwoPhase: now, or on commit after validateOnly.
    state: params.validateOnly ? 'awaiting_commit' : 'commit',
  };
}
