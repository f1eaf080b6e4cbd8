import { safeCellSql } from '@customer-hub/csv';
import { type DataSource, type EntityManager, sqlRows } from '@customer-hub/db';
import { type TwoPhase, UnrecoverableError } from '@customer-hub/queue';

/** Name of the partition that holds one version's rows. Ids are bigints from a sequence: safe in SQL. */
export const partitionOf = (versionId: number | string) => `purchase_history_rows_v${BigInt(versionId)}`;
export const stagingOf = (versionId: number | string) => `purchase_history_stage_v${BigInt(versionId)}`;

/** Another upload was published after this one started: this one publishes nothing and says so. */
export class PublishConflictError extends UnrecoverableError {
  override name = 'PublishConflictError';
}

export interface VersionRow {
  id: string;
  state: 'building' | 'ready' | 'published' | 'pruned' | 'discarded';
  base_version_id: string | null;
  job_run_id: string | null;
  file_name: string | null;
  rows: string | null;
  customers: string | null;
  products: string | null;
  duplicates: string | null;
  rejected: string | null;
  unmatched_customers: string | null;
  unmatched_products: string | null;
  created_by: string;
  created_at: Date;
  published_at: Date | null;
  published_by: string | null;
}

export async function currentVersionId(db: DataSource | EntityManager, accountId: string): Promise<string | null> {
  const [row] = await sqlRows<{ version_id: string }>(
    db,
    'SELECT version_id FROM purchase_history_current WHERE account_id = $1',
    [accountId],
  );
  return row?.version_id ?? null;
}

/**
 * Makes a built version the published one: one short transaction flips the account's pointer, so readers see
 * all of the old version or all of the new. With `expectBase`, refuses (PublishConflictError) when another
 * version was published since this upload started.
 */
export async function publishVersion(
  m: EntityManager,
  accountId: string,
  versionId: string,
  userId: string,
  expectBase?: string | null,
): Promise<void> {
  await m.query(`SELECT pg_advisory_xact_lock(hashtext('purchase-history:' || $1))`, [accountId]);
  const current = await currentVersionId(m, accountId);
  if (expectBase !== undefined && current !== expectBase) {
    throw new PublishConflictError(
      `another purchase history (version ${current}) was published while this upload was processed; ` +
        'nothing was published from this one — upload it again to replace that version',
    );
  }
  const updated = await sqlRows<{ id: string }>(
    m,
    `UPDATE purchase_history_versions SET state = 'published', published_at = now(), published_by = $3
     WHERE id = $1 AND account_id = $2 AND state IN ('ready', 'published') RETURNING id`,
    [versionId, accountId, userId],
  );
  if (updated.length === 0)
    throw new UnrecoverableError(`version ${versionId} cannot be published (pruned or discarded)`);
  await m.query(
    `INSERT INTO purchase_history_current (account_id, version_id) VALUES ($1, $2)
     ON CONFLICT (account_id) DO UPDATE SET version_id = excluded.version_id`,
    [accountId, versionId],
  );
}

/**
 * Drops a version's tables (never the published one) and marks it. Safe to repeat. The partition is first
 * detached CONCURRENTLY: that waits for running readers without blocking new ones, where a plain DROP would
 * queue every reader of every account behind one long download.
 */
export async function dropVersion(ds: DataSource, versionId: string, state: 'pruned' | 'discarded'): Promise<void> {
  const part = partitionOf(versionId);
  const id = BigInt(versionId);
  const [current] = await sqlRows(ds, 'SELECT 1 FROM purchase_history_current WHERE version_id = $1', [versionId]);
  if (current) return;
  await ds.query(
    `DROP TABLE IF EXISTS ${stagingOf(versionId)}, purchase_history_customer_ref_v${id}, purchase_history_product_code_v${id}`,
  );
  const [attached] = await sqlRows<{ pending: boolean }>(
    ds,
    `SELECT i.inhdetachpending AS pending FROM pg_inherits i WHERE i.inhrelid = to_regclass($1)`,
    [part],
  );
  if (attached) {
    // A detach interrupted earlier is finished rather than started again.
    const how = attached.pending ? 'FINALIZE' : 'CONCURRENTLY';
    await ds.query(`ALTER TABLE purchase_history_rows DETACH PARTITION ${part} ${how}`);
  }
  await ds.query(`DROP TABLE IF EXISTS ${part}`);
  await ds.query(`UPDATE purchase_history_versions SET state = $2 WHERE id = $1`, [versionId, state]);
}

/**
 * Keeps the newest `keep` published versions (the current one among them) and drops older ones; also discards
 * builds whose job failed, was cancelled or is gone. Dropping a partition is cheap: no row-by-row DELETE.
 */
export async function pruneVersions(ds: DataSource, accountId: string, keep: number): Promise<string[]> {
  const old = await sqlRows<{ id: string; why: 'pruned' | 'discarded' }>(
    ds,
    `SELECT id, 'pruned' AS why FROM (
       SELECT v.id, row_number() OVER (ORDER BY (c.version_id IS NOT NULL) DESC, v.published_at DESC) AS n
       FROM purchase_history_versions v
       LEFT JOIN purchase_history_current c ON c.version_id = v.id
       WHERE v.account_id = $1 AND v.state = 'published') ranked
     WHERE n > $2
     UNION ALL
     SELECT v.id, 'discarded' FROM purchase_history_versions v LEFT JOIN job_runs j ON j.id = v.job_run_id
     WHERE v.account_id = $1 AND v.state IN ('building', 'ready')
       AND (j.id IS NULL OR j.state IN ('failed', 'cancelled'))`,
    [accountId, keep],
  );
  for (const v of old) await dropVersion(ds, v.id, v.why);
  return old.map((v) => v.id);
}

/**
 * Versions that can be read or restored, newest first, the current one marked: the `keep` newest published
 * ones and any awaiting commit. A version past `keep` is left out at once, though {@link pruneVersions} drops
 * its tables a moment after the publish that pushed it out.
 */
export async function listVersions(ds: DataSource, accountId: string, keep: number) {
  const current = await currentVersionId(ds, accountId);
  const rows = await sqlRows<VersionRow>(
    ds,
    `SELECT * FROM (
       SELECT v.*, row_number() OVER (PARTITION BY v.state = 'published'
                                      ORDER BY (v.id = $2) DESC, v.published_at DESC NULLS LAST, v.id DESC) AS n
       FROM purchase_history_versions v WHERE v.account_id = $1 AND v.state IN ('published', 'ready')) ranked
     WHERE state = 'ready' OR n <= $3
     ORDER BY (id = $2) DESC, published_at DESC NULLS LAST, id DESC`,
    [accountId, current ?? -1, keep],
  );
  return rows.map((r) => presentVersion(r, current));
}

const num = (v: string | null) => (v === null ? null : Number(v));

export function presentVersion(r: VersionRow, current: string | null) {
  return {
    version: Number(r.id),
    current: r.id === current,
    state: r.state,
    jobId: r.job_run_id,
    fileName: r.file_name,
    rows: num(r.rows),
    customers: num(r.customers),
    products: num(r.products),
    duplicates: num(r.duplicates),
    rejected: num(r.rejected),
    unmatchedCustomers: num(r.unmatched_customers),
    unmatchedProducts: num(r.unmatched_products),
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    publishedAt: r.published_at?.toISOString() ?? null,
    publishedBy: r.published_by,
  };
}

/** Republishes an earlier version that is still kept. */
export async function restoreVersion(ds: DataSource, accountId: string, versionId: string, userId: string) {
  const [row] = await sqlRows<VersionRow>(
    ds,
    `SELECT * FROM purchase_history_versions WHERE id = $1 AND account_id = $2 AND state = 'published'`,
    [versionId, accountId],
  );
  if (!row) return null;
  await ds.transaction((m) => publishVersion(m, accountId, versionId, userId));
  return versionId;
}

/** The product codes of one customer in the published history (sorted), or null when nothing is published. */
export async function currentCodesFor(ds: DataSource, accountId: string, customerRef: string) {
  // One statement, one snapshot: the pointer and the rows it points at are read together, so a publish or a
  // prune running meanwhile can't show a mix or nothing.
  const rows = await sqlRows<{ version_id: string; product_code: string | null }>(
    ds,
    `SELECT c.version_id, r.product_code FROM purchase_history_current c
     LEFT JOIN purchase_history_rows r ON r.version_id = c.version_id AND r.customer_ref = $2
     WHERE c.account_id = $1 ORDER BY r.product_code`,
    [accountId, customerRef],
  );
  if (rows.length === 0) return null;
  return {
    version: Number(rows[0]!.version_id),
    productCodes: rows.flatMap((r) => (r.product_code === null ? [] : [r.product_code])),
  };
}

/** The version a purchase-history job built, if any. */
export async function versionOfJob(db: DataSource | EntityManager, accountId: string, jobRunId: string) {
  const [row] = await sqlRows<VersionRow>(
    db,
    'SELECT * FROM purchase_history_versions WHERE job_run_id = $1 AND account_id = $2',
    [jobRunId, accountId],
  );
  return row ?? null;
}

/**
 * Commit of a validate-only upload: publishes the version it built, unless another was published since it
 * started; then prunes old versions.
 */
export const purchaseHistoryTwoPhase: TwoPhase = {
  async commit(m, run, userId) {
    const v = await versionOfJob(m, run.accountId, run.id);
    if (v?.state !== 'ready') throw new UnrecoverableError('this upload has no validated version left to publish');
    await publishVersion(m, run.accountId, v.id, userId, v.base_version_id);
  },
  tidy: async ({ ds, config }, run) =>
    void (await pruneVersions(ds, run.accountId, config.purchaseHistory.keepVersions)),
};

/** The COPY that writes a published version as CSV (formula-safe cells, storage order: a plain sequential scan). */
export function versionCsvCopy(versionId: string): string {
  const v = BigInt(versionId);
  return `COPY (SELECT ${safeCellSql('customer_ref')} AS customer_ref, ${safeCellSql('product_code')} AS product_code
                FROM purchase_history_rows r WHERE version_id = ${v}) TO STDOUT WITH (FORMAT csv, HEADER)`;
}
