import { applyProductImport, productStagingOf } from '@customer-hub/catalogue';
import type { CustomerImportParams, JobKind } from '@customer-hub/contracts';
import { applyCustomerImport, dropCustomerStaging } from '@customer-hub/customers';
import type { DataSource, EntityManager, JobRun } from '@customer-hub/db';
import { commitUpload, pruneVersions } from '@customer-hub/purchase-history';

interface TwoPhase {
  /** Applies a validated job, inside the transaction that marks it succeeded. */
  commit(m: EntityManager, run: JobRun, userId: string): Promise<void>;
  /** Housekeeping after a commit or a cancel. */
  tidy(ds: DataSource, run: JobRun, keepVersions: number): Promise<void>;
}

/** Job kinds that can stop in awaiting_commit, and how each is applied or let go. */
export const TWO_PHASE: Partial<Record<JobKind, TwoPhase>> = {
  'purchase-history': {
    commit: (m, run, userId) => commitUpload(m, run.accountId, run.id, userId),
    tidy: async (ds, run, keep) => void (await pruneVersions(ds, run.accountId, keep)),
  },
  'customer-import': {
    commit: (m, run) =>
      applyCustomerImport(m, run.accountId, run.id, (run.params as unknown as CustomerImportParams).mode),
    tidy: (ds, run) => dropCustomerStaging(ds, run.id),
  },
  'product-import': {
    commit: (m, run) => applyProductImport(m, run.accountId, run.id),
    tidy: async (ds, run) => void (await ds.query(`DROP TABLE IF EXISTS ${productStagingOf(run.id)}`)),
  },
};
