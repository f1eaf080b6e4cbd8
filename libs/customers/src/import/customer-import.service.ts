import { type CsvDialect, type CsvItem, ErrorReport, isLineError } from '@customer-hub/csv';
import { analyzeIfStale, copyLineBatches, inBulkTransaction, type PoolClient, withPgClient } from '@customer-hub/db';
import { type JobContext, JobInputError, type JobOutcome, jobFile, phaseTimer } from '@customer-hub/queue';
import { literal } from '../export/export-sql';
import { countOutcomes, dropCustomerStaging } from './apply';
import { checkNumbers, checkParsed, createProblems, problemsOf, reportProblems } from './checks';
import {
  createRawStagingSql,
  type DigestKey,
  digestKey,
  FirstPass,
  knownDigestsSql,
  knownOf,
  pendingOf,
  pendingSql,
  rawStagingOf,
  readPendingBatches,
  recordDigest,
} from './first-pass';
import { type Layout, LayoutError, layoutOf } from './layout';
import { dialectOf, readRecordBatches } from './records';
import { createStagingSql, customerStagingOf, RowStager, STAGED_COLUMNS } from './staging';

type Ctx = JobContext<'customer-import'>;

interface Loaded {
  /** The CSV's dialect, decided once for both passes; null for a workbook. */
  dialect: CsvDialect | null;
  layout: Layout | null;
  header: string[];
  stager: RowStager | null;
  /** What each row's digest covers besides its cells (see first-pass.ts). */
  key: DigestKey;
  seen: number;
  /** Whether each number read came after the one before (see {@link NumberOrder}). */
  order: NumberOrder;
}

/**
 * Whether the numbers read so far come in strictly increasing order (as in an export, sorted by number): then
 * no number is given twice, and the check for that is spared. Any order would do for that conclusion; this is
 * JavaScript's.
 */
class NumberOrder {
  private last: string | null = null;
  increasing = true;

  add(number: string): void {
    if (this.increasing && this.last !== null && number <= this.last) this.increasing = false;
    this.last = number;
  }
}

/**
 * The known digests of a two-pass read (see {@link knownOf}), gathered on a connection of their own while the
 * file is read: started once the header shows two passes pay, waited for before the match.
 */
class KnownDigests {
  private gathering: Promise<void> | null = null;

  constructor(
    private readonly ctx: Ctx,
    private readonly stage: string,
  ) {}

  start(): void {
    const { ds, run } = this.ctx;
    this.gathering = withPgClient(ds, async (client) => {
      await client.query(`DROP TABLE IF EXISTS ${knownOf(this.stage)}`);
      await client.query(knownDigestsSql(this.stage, `${literal(run.accountId)}::uuid`));
      // Without statistics the match's plan guesses the table's size from its pages, and hashes the wrong side.
      await client.query(`ANALYZE ${knownOf(this.stage)}`);
    });
    // Waited for by ready() or settled(); until then a failure must not count as unhandled.
    this.gathering.catch(() => {});
  }

  /** Waits for the table; throws if gathering it failed. */
  async ready(): Promise<void> {
    await this.gathering;
  }

  /** Waits for the gathering to end either way (before a failed import drops its tables). */
  async settled(): Promise<void> {
    await this.gathering?.catch(() => {});
  }
}

/**
 * Reads the file. In two passes (see {@link readsInTwoPasses}): into the first-pass table, each row's number,
 * codes and digest (and a workbook row's cells: see first-pass.ts); else each row is checked and staged at once,
 * with its digest.
 * A row with no usable number, a bad cell when staged at once, or one the reader can't split, goes to the report.
 */
async function readFile(ctx: Ctx, client: PoolClient, stage: string, report: ErrorReport, known: KnownDigests) {
  const { params } = ctx;
  const dialect = await dialectOf(ctx);
  const state: Loaded = {
    dialect,
    layout: null,
    header: [],
    stager: null,
    key: [0, 0],
    seen: 0,
    order: new NumberOrder(),
  };
  const options = { blank: params.blank, separator: params.separator, deleting: params.mode === 'delete' };
  // Every column until the header decides how the rest is read (see FirstPass.upTo).
  const columns = { upTo: Number.POSITIVE_INFINITY };
  // The batches up to the header's, read first.
  const records = readRecordBatches(ctx, dialect, { offsets: true, columns })[Symbol.asyncIterator]();
  const early: CsvItem[][] = [];
  let headerItem: CsvItem | undefined;
  while (!headerItem) {
    const next = await records.next();
    if (next.done) break;
    early.push(next.value);
    headerItem = next.value.find((i) => !isLineError(i));
  }
  let first: FirstPass | null = null;
  if (headerItem && !isLineError(headerItem)) {
    const { line, fields } = headerItem;
    try {
      state.layout = layoutOf(fields, params.keyColumn);
    } catch (err) {
      if (err instanceof LayoutError) {
        throw new JobInputError(`The header row (line ${line}) is not usable: ${err.message}.`);
      }
      throw err;
    }
    state.header = fields;
    state.stager = new RowStager(state.layout, fields, options);
    state.key = digestKey(fields, { ...params, dialect });
    first = new FirstPass(state.layout, state.key, dialect);
  }
  const twoPass = first !== null && (await readsInTwoPasses(ctx, state.key));
  if (twoPass) {
    columns.upTo = first!.upTo;
    known.start();
  }
  const table = twoPass ? rawStagingOf(stage) : stage;
  await client.query(`DROP TABLE IF EXISTS ${table}`);
  await client.query(twoPass ? createRawStagingSql(table) : createStagingSql(stage));
  async function* all(): AsyncGenerator<CsvItem[]> {
    yield* early;
    for (let next = await records.next(); !next.done; next = await records.next()) yield next.value;
  }
  async function* batches(): AsyncGenerator<string[]> {
    for await (const items of all()) {
      const out: string[] = [];
      for (const item of items) {
        state.seen++;
        if (isLineError(item)) {
          await report.add({ line: item.line, column: '', value: '', message: item.error });
        } else if (item === headerItem) {
          for (const u of state.layout!.unknown) {
            await report.add({
              line: item.line,
              column: `${u.index + 1} (${u.header})`,
              value: u.header,
              message: 'warning: unknown column, ignored',
            });
          }
        } else if (twoPass) {
          const number = state.stager!.numberOf(item.fields);
          if (typeof number === 'string') {
            state.order.add(number);
            out.push(first!.line(item, number));
          } else await report.add({ line: item.line, ...number });
        } else {
          const digest = options.deleting ? null : String(recordDigest(state.key, item));
          const staged = state.stager!.stage(item.line, item.fields, digest);
          if (Array.isArray(staged)) {
            state.order.add(staged[1]!);
            out.push(state.stager!.copyLine(staged));
          } else await report.add({ line: item.line, ...staged });
        }
      }
      yield out;
      await ctx.checkpoint();
      await ctx.progress(state.seen);
    }
  }
  await copyLineBatches(client, twoPass ? table : `${stage} (line, number, ${STAGED_COLUMNS.join(', ')})`, batches());
  // The columns the checks and the count join and filter on: the others' statistics took two thirds of the time.
  await client.query(`ANALYZE ${table} (line, number, customer_group, catalogue${twoPass ? '' : ', name'})`);
  return { loaded: state, twoPass };
}

/**
 * Two passes pay where the digests can spare most rows the parse: when an import of the account with the same
 * header and options has recorded digests (see {@link recordDigestKey}). A first import, a file with another
 * header (an export imported back the first time), or a delete (which needs only the numbers) reads in one.
 */
async function readsInTwoPasses(ctx: Ctx, key: DigestKey): Promise<boolean> {
  if (ctx.params.mode === 'delete') return false;
  const rows = await ctx.ds.query(
    'SELECT EXISTS (SELECT FROM customer_import_keys WHERE account_id = $1 AND key = $2) AS has',
    [ctx.run.accountId, key.join(':')],
  );
  return rows[0].has === true;
}

/** Notes that the account's imports with this header and options record digests (a cache: only speed rides on it). */
async function recordDigestKey(ctx: Ctx, key: DigestKey): Promise<void> {
  await ctx.ds.query('INSERT INTO customer_import_keys (account_id, key) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
    ctx.run.accountId,
    key.join(':'),
  ]);
}

/** Keeps the rows pass two must parse (see first-pass.ts) and returns how many the digests show unchanged. */
async function matchDigests(client: PoolClient, stage: string): Promise<number> {
  const raw = rawStagingOf(stage);
  const problems = problemsOf(stage);
  await client.query(`DROP TABLE IF EXISTS ${pendingOf(stage)}`);
  // A hash join of two tables as long as the file: in parallel it takes half the time (1M rows: 1.3 -> 0.7 s).
  // The planner guesses the filter keeps half the rows (a tenth, re-importing a file with a tenth changed) and
  // would not pay to pass them between processes: this tells it that costs nothing next to the join. Tables
  // under min_parallel_table_scan_size (a small file's) are still read by one process.
  await client.query('SET LOCAL parallel_tuple_cost = 0');
  await client.query(pendingSql(stage, problems));
  await client.query(`DROP TABLE ${knownOf(stage)}`);
  const { rows } = await client.query<{ fast: number }>(
    `SELECT ((SELECT count(*) FROM ${raw}) - (SELECT count(*) FROM ${problems})
       - (SELECT count(*) FROM ${pendingOf(stage)}))::int AS fast`,
  );
  return rows[0]!.fast;
}

/** Pass two: checks and stages the pending rows; a row with a bad cell goes to the report instead. */
async function parsePending(ctx: Ctx, client: PoolClient, stage: string, loaded: Loaded, report: ErrorReport) {
  const stager = loaded.stager!;
  await client.query(`DROP TABLE IF EXISTS ${stage}`);
  await client.query(createStagingSql(stage));
  async function* batches(): AsyncGenerator<string[]> {
    for await (const rows of readPendingBatches(ctx, stage, loaded.dialect)) {
      const out: string[] = [];
      for (const row of rows) {
        if ('error' in row) {
          await report.add({ line: row.line, column: '', value: '', message: row.error });
          continue;
        }
        const staged = stager.stage(row.line, row.fields, row.digest);
        if (Array.isArray(staged)) out.push(stager.copyLine(staged));
        else await report.add({ line: row.line, ...staged });
      }
      yield out;
      await ctx.checkpoint();
    }
  }
  await copyLineBatches(client, `${stage} (line, number, ${STAGED_COLUMNS.join(', ')})`, batches());
  await client.query(`DROP TABLE ${rawStagingOf(stage)}, ${pendingOf(stage)}`);
  await client.query(`ANALYZE ${stage} (line, number, customer_group, catalogue, name)`);
}

/**
 * Customer import, phase one: reads and checks the whole file into a staging table, in one pass or in two
 * (where digests show rows unchanged, only the others are parsed: see {@link readFile}), and counts what it would
 * create, update, leave unchanged or delete. Phase two ({@link customerImportTwoPhase}) applies it in chunks, at
 * once or on commit after `validateOnly`; until then nothing stored has changed.
 */
export async function importCustomers(ctx: Ctx): Promise<JobOutcome> {
  const { ds, files, run, params } = ctx;
  const stage = customerStagingOf(run.id);
  const report = new ErrorReport(files, `jobs/${run.id}/errors.csv`);
  const timer = phaseTimer(ctx.logger, 'customer-import');
  const known = new KnownDigests(ctx, stage);
  let rowErrors = 0;
  let checked: { rejected: number; skipped: number };
  let loaded: Loaded;
  let fast = 0;
  try {
    ({ loaded, checked } = await withPgClient(ds, async (client) => {
      await createProblems(client, stage);
      const { loaded: l, twoPass } = await readFile(ctx, client, stage, report, known);
      timer.done('read');
      if (!l.layout) return { loaded: l, checked: { rejected: 0, skipped: 0 } };
      const layout = l.layout;
      // The checks and the count join the whole file against customers: plan them for its current size.
      await analyzeIfStale(ctx.ds, 'customers');
      if (twoPass) await analyzeIfStale(ctx.ds, 'customer_import_digests');
      const read = twoPass ? rawStagingOf(stage) : stage;
      fast = await inBulkTransaction(client, async () => {
        await checkNumbers(client, ctx, { stage, raw: read, unique: l.order.increasing }, layout, l.header);
        if (!twoPass) return 0;
        await known.ready();
        return matchDigests(client, stage);
      });
      if (twoPass) {
        timer.done('match');
        await parsePending(ctx, client, stage, l, report);
      }
      rowErrors = report.count - layout.unknown.length;
      const c = await inBulkTransaction(client, async () => {
        await checkParsed(client, ctx, stage, layout, l.header);
        return reportProblems(client, stage, report);
      });
      timer.done('parse');
      return { loaded: l, checked: c };
    }));
  } catch (err) {
    await report.close().catch(() => {});
    await known.settled();
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
  const counts = { ...outcomes, unchanged: outcomes.unchanged + fast, ...base };
  if (params.mode !== 'delete') await recordDigestKey(ctx, loaded.key);
  timer.done('count');
  return {
    counts,
    files: report.count ? [errorFile] : [],
    // Applied by customerImportTwoPhase: now, or on commit after validateOnly.
    state: params.validateOnly ? 'awaiting_commit' : 'commit',
  };
}
