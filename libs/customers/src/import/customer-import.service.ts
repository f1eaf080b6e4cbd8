import { type CsvDialect, type CsvItem, ErrorReport, isLineError, lineErrorRow } from '@customer-hub/csv';
import { analyzeIfStale, copyLineBatches, inBulkTransaction, type PoolClient, withPgClient } from '@customer-hub/db';
import { type JobContext, JobInputError, type JobOutcome, jobFile, phaseTimer } from '@customer-hub/queue';
import { countOutcomes, dropCustomerStaging } from './apply';
import { checkNumbers, checkParsed, createProblems, reportProblems } from './checks';
import { columnLabel, type FileColumns } from './columns';
import { createRawStagingSql, type DigestKey, digestKey, FirstPass, rawStagingOf, recordDigest } from './first-pass';
import { type Layout, LayoutError, layoutOf } from './layout';
import { dialectOf, readRecordBatches } from './records';
import { RowStager, reportRejected } from './staging';
import { createStagingSql, customerStagingOf, STAGED_COLUMNS } from './staging-table';
import { KnownDigests, matchDigests, parsePending, readsInTwoPasses, recordDigestKey } from './two-pass-read';

type Ctx = JobContext<'customer-import'>;

interface Loaded {
  /** The CSV's dialect, decided once for both passes; null for a workbook. */
  dialect: CsvDialect | null;
  layout: Layout | null;
  header: string[];
  stager: RowStager | null;
  /** What each row's digest covers besides its cells (see first-pass.ts). */
  key: DigestKey;
  /** Records read, the header included. */
  seen: number;
  /** Data rows rejected while reading (each may have several problems in the report). */
  rejected: number;
  /** Of those, the ones staged by their number alone (see RowStager.numberOnly). */
  numberOnly: number;
  /** Whether each number read came after the one before (see {@link NumberOrder}). */
  order: NumberOrder;
}

/** Data rows read (what a job's progress counts): the records less the header. */
const rowsRead = (l: Loaded) => l.seen - (l.layout ? 1 : 0);

/** The file's columns as its problems name them (by letter in a workbook). */
const columnsOf = (l: Loaded): FileColumns => ({ header: l.header, workbook: l.dialect === null });

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
    rejected: 0,
    numberOnly: 0,
    order: new NumberOrder(),
  };
  const options = {
    blank: params.blank,
    separator: params.separator,
    deleting: params.mode === 'delete',
    workbook: dialect === null,
  };
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
          state.rejected++;
          await report.add(lineErrorRow(item, state.header));
        } else if (item === headerItem) {
          for (const u of state.layout!.unknown) {
            // A spreadsheet saves a blank column after the table as one with no header.
            await report.add({
              line: item.line,
              column: columnLabel(columnsOf(state), u.index),
              value: u.header,
              message: u.why
                ? `warning: column ignored: ${u.why}`
                : u.header
                  ? 'warning: unknown column, ignored'
                  : 'warning: column without a header, ignored',
            });
          }
        } else if (twoPass) {
          const number = state.stager!.numberOf(item.fields);
          if (typeof number === 'string') {
            state.order.add(number);
            out.push(first!.line(item, number));
          } else {
            state.rejected++;
            await reportRejected(report, item.line, [number]);
          }
        } else {
          const digest = options.deleting ? null : String(recordDigest(state.key, item));
          const staged = state.stager!.stage(item.line, item.fields, digest);
          if (Array.isArray(staged)) {
            state.order.add(staged[1]!);
            out.push(state.stager!.copyLine(staged));
          } else {
            state.rejected++;
            await reportRejected(report, item.line, staged.problems);
            if (staged.number !== undefined) {
              state.numberOnly++;
              state.order.add(staged.number);
              out.push(state.stager!.numberOnly(item.line, staged.number));
            }
          }
        }
      }
      yield out;
      await ctx.checkpoint();
      await ctx.progress(rowsRead(state));
    }
  }
  await copyLineBatches(client, twoPass ? table : `${stage} (line, number, ${STAGED_COLUMNS.join(', ')})`, batches());
  // The columns the checks and the count join and filter on: the others' statistics took two thirds of the time.
  await client.query(`ANALYZE ${table} (line, number, customer_group, catalogue${twoPass ? '' : ', name'})`);
  return { loaded: state, twoPass };
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
        await checkNumbers(
          client,
          ctx,
          { stage, raw: read, unique: l.order.increasing, numberOnly: l.numberOnly },
          layout,
          columnsOf(l),
        );
        if (!twoPass) return 0;
        await known.ready();
        return matchDigests(client, stage);
      });
      if (twoPass) {
        timer.done('match');
        l.rejected += await parsePending(
          ctx,
          client,
          stage,
          { stager: l.stager!, dialect: l.dialect, header: l.header },
          report,
        );
      }
      rowErrors = l.rejected;
      const c = await inBulkTransaction(client, async () => {
        await checkParsed(client, ctx, stage, layout, columnsOf(l));
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
  // Every row is read, whether or not what follows fails the import.
  await ctx.progress(rowsRead(loaded), rowsRead(loaded));
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
