import { type CsvDialect, type ErrorReport, lineErrorRow } from '@customer-hub/csv';
import { copyLineBatches, type PoolClient, withPgClient } from '@customer-hub/db';
import type { JobContext } from '@customer-hub/queue';
import { literal } from '../export/export-sql';
import { problemsOf } from './checks';
import {
  type DigestKey,
  knownDigestsSql,
  knownOf,
  pendingOf,
  pendingSql,
  rawStagingOf,
  readPendingBatches,
} from './first-pass';
import { type RowStager, reportRejected } from './staging';
import { createStagingSql, STAGED_COLUMNS } from './staging-table';

/**
 * The parts of a two-pass read (see first-pass.ts) around the first pass: whether an import reads in two passes,
 * the known digests gathered beside the first pass, the match that keeps the rows pass two must parse, and pass
 * two itself.
 */

type Ctx = JobContext<'customer-import'>;

/**
 * The known digests of a two-pass read (see {@link knownOf}), gathered on a connection of their own while the
 * file is read: started once the header shows two passes pay, waited for before the match.
 */
export class KnownDigests {
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
 * Two passes pay where the digests can spare most rows the parse: when an import of the account with the same
 * header and options has recorded digests (see {@link recordDigestKey}). A first import, a file with another
 * header (an export imported back the first time), or a delete (which needs only the numbers) reads in one.
 */
export async function readsInTwoPasses(ctx: Ctx, key: DigestKey): Promise<boolean> {
  if (ctx.params.mode === 'delete') return false;
  const rows = await ctx.ds.query(
    'SELECT EXISTS (SELECT FROM customer_import_keys WHERE account_id = $1 AND key = $2) AS has',
    [ctx.run.accountId, key.join(':')],
  );
  return rows[0].has === true;
}

/** Notes that the account's imports with this header and options record digests (a cache: only speed rides on it). */
export async function recordDigestKey(ctx: Ctx, key: DigestKey): Promise<void> {
  await ctx.ds.query('INSERT INTO customer_import_keys (account_id, key) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
    ctx.run.accountId,
    key.join(':'),
  ]);
}

/** Keeps the rows pass two must parse (see first-pass.ts) and returns how many the digests show unchanged. */
export async function matchDigests(client: PoolClient, stage: string): Promise<number> {
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

/**
 * Pass two: checks and stages the pending rows (a CSV's split again in the first pass's `dialect`); a row with a
 * bad cell goes to the report instead. Returns how many rows it rejected.
 */
export async function parsePending(
  ctx: Ctx,
  client: PoolClient,
  stage: string,
  read: { stager: RowStager; dialect: CsvDialect | null; header: string[] },
  report: ErrorReport,
) {
  const { stager, dialect, header } = read;
  let rejected = 0;
  await client.query(`DROP TABLE IF EXISTS ${stage}`);
  await client.query(createStagingSql(stage));
  async function* batches(): AsyncGenerator<string[]> {
    for await (const rows of readPendingBatches(ctx, stage, dialect)) {
      const out: string[] = [];
      for (const row of rows) {
        if ('error' in row) {
          rejected++;
          await report.add(lineErrorRow(row, header));
          continue;
        }
        const staged = stager.stage(row.line, row.fields, row.digest);
        if (Array.isArray(staged)) out.push(stager.copyLine(staged));
        else {
          rejected++;
          await reportRejected(report, row.line, staged.problems);
        }
      }
      yield out;
      await ctx.checkpoint();
    }
  }
  await copyLineBatches(client, `${stage} (line, number, ${STAGED_COLUMNS.join(', ')})`, batches());
  await client.query(`DROP TABLE ${rawStagingOf(stage)}, ${pendingOf(stage)}`);
  await client.query(`ANALYZE ${stage} (line, number, customer_group, catalogue, name)`);
  return rejected;
}
