import { ErrorReport, resolveDialect } from '@customer-hub/csv';
import { sqlRows, withPgClient } from '@customer-hub/db';
import { type JobContext, JobInputError, type JobOutcome, jobFile, phaseTimer } from '@customer-hub/queue';
import { DistinctValues, DuplicateSpotter } from './duplicates';
import { loadRows } from './load-rows';
import { finishPartition } from './partition';
import type { RowTrackers } from './row-sink';
import { writeUnmatched } from './unmatched';
import { VersionWriter } from './version-writer';
import { currentVersionId, dropVersion, pruneVersions, publishVersion } from './versions';

/**
 * The purchase-history upload: validates and loads the file into a new version (its own partition, in chunks
 * indexed while the next one loads, attached when complete), then — in the transaction that settles the job —
 * makes it the published version. A failed, cancelled or killed run publishes nothing; a retry starts the
 * version over.
 */
export async function loadPurchaseHistory(ctx: JobContext<'purchase-history'>): Promise<JobOutcome> {
  const { ds, run, params } = ctx;
  const accountId = run.accountId;
  const [existing] = await sqlRows<{ id: string; state: string }>(
    ds,
    'SELECT id, state FROM purchase_history_versions WHERE job_run_id = $1 AND account_id = $2',
    [run.id, accountId],
  );
  let versionId = existing?.id;
  if (!versionId) {
    const base = await currentVersionId(ds, accountId);
    [{ id: versionId }] = (await sqlRows<{ id: string }>(
      ds,
      `INSERT INTO purchase_history_versions (account_id, job_run_id, file_name, created_by, base_version_id)
       VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [accountId, run.id, params.fileName, run.submittedBy, base],
    )) as [{ id: string }];
  } else if (existing?.state !== 'ready') {
    await dropVersion(ds, versionId, 'discarded'); // a killed attempt's leftovers
    await ds.query(`UPDATE purchase_history_versions SET state = 'building' WHERE id = $1`, [versionId]);
  }

  try {
    if (existing?.state !== 'ready') await build(ctx, versionId);
    return await outcome(ctx, versionId);
  } catch (err) {
    await dropVersion(ds, versionId, 'discarded').catch(() => {});
    throw err;
  }
}

async function build(ctx: JobContext<'purchase-history'>, versionId: string): Promise<void> {
  const { ds, files, run, params } = ctx;
  const dialect = await resolveDialect(files, params);
  const size = (await files.stat(params.inputFile))?.bytes ?? 0;
  const track: RowTrackers = {
    pairs: new DuplicateSpotter(Math.ceil(size / 16)),
    customers: new DistinctValues(),
    products: new DistinctValues(),
  };
  const report = new ErrorReport(files, `jobs/${run.id}/errors.csv`);
  const timer = phaseTimer(ctx.logger, 'purchase-history');
  const { counts, unmatched } = await withPgClient(ds, (client) =>
    withPgClient(ds, async (indexer) => {
      const writer = await VersionWriter.open(client, indexer, versionId, {
        delimiter: dialect.delimiter,
        chunkRows: ctx.config.purchaseHistory.chunkRows,
        fileBytes: size,
      });
      const loaded = await loadRows(ctx, writer, dialect, report, track);
      timer.done('load');
      // While the last chunk is indexed, list the unmatched values, when the loader could collect them all
      // (else they are grouped from the finished version). The promise never rejects: its error is returned.
      const accepted = loaded.rejected <= params.maxErrors && loaded.loaded > 0;
      const collected = !track.customers.overflow && !track.products.overflow;
      const unmatched =
        accepted && collected ? writeUnmatched(ctx, versionId, track).then(noError, (err: Error) => err) : null;
      await writer.indexed();
      timer.done('index');
      return { counts: loaded, unmatched };
    }),
  );
  const errors = await report.close();
  const errorFile = jobFile('errors.csv', errors);
  if (counts.rejected > params.maxErrors) {
    throw new JobInputError(
      `${counts.rejected} row(s) were rejected, more than maxErrors=${params.maxErrors}; nothing was published. See errors.csv.`,
      [errorFile],
      { loaded: counts.loaded, rejected: counts.rejected },
    );
  }
  if (counts.loaded === 0) {
    throw new JobInputError(
      counts.header ? 'The upload has a header row but no data rows.' : 'The upload has no data rows.',
      counts.rejected ? [errorFile] : [],
      { loaded: 0, rejected: counts.rejected },
    );
  }
  await ctx.checkpoint();
  const duplicates = await withPgClient(ds, (client) => finishPartition(client, versionId, track.pairs, timer.done));
  await ds.query(`UPDATE purchase_history_versions SET rows = $2, duplicates = $3, rejected = $4 WHERE id = $1`, [
    versionId,
    counts.loaded - duplicates,
    duplicates,
    counts.rejected,
  ]);
  const failed = unmatched ? await unmatched : await writeUnmatched(ctx, versionId, track).then(noError);
  if (failed) throw failed;
  timer.done('unmatched');
  await ds.query(`UPDATE purchase_history_versions SET state = 'ready' WHERE id = $1`, [versionId]);
}

const noError = () => null;

/** Counts and files of a built version; publishes it on commit unless the upload only validates. */
async function outcome(ctx: JobContext<'purchase-history'>, versionId: string): Promise<JobOutcome> {
  const { ds, run, params } = ctx;
  const [v] = await sqlRows<Record<string, string | null>>(
    ds,
    'SELECT * FROM purchase_history_versions WHERE id = $1',
    [versionId],
  );
  const n = (k: string) => Number(v?.[k] ?? 0);
  const files = [];
  for (const name of ['errors.csv', 'unmatched-customers.csv', 'unmatched-products.csv']) {
    const stat = await ctx.files.stat(`jobs/${run.id}/${name}`);
    if (stat) files.push(jobFile(name, stat));
  }
  return {
    counts: {
      version: Number(versionId),
      rows: n('rows'),
      customers: n('customers'),
      products: n('products'),
      duplicates: n('duplicates'),
      rejected: n('rejected'),
      unmatchedCustomers: n('unmatched_customers'),
      unmatchedProducts: n('unmatched_products'),
    },
    files,
    state: params.validateOnly ? 'awaiting_commit' : 'succeeded',
    commit: params.validateOnly
      ? undefined
      : (m) => publishVersion(m, run.accountId, versionId, run.submittedBy, v?.base_version_id ?? null),
    afterCommit: () => pruneVersions(ds, run.accountId, ctx.config.purchaseHistory.keepVersions).then(() => {}),
  };
}
