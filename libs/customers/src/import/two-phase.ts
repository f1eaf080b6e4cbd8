import type { CustomerImportParams } from '@customer-hub/contracts';
import { analyzeIfStale, type JobRun } from '@customer-hub/db';
import type { TwoPhase } from '@customer-hub/queue';
import { dropCustomerStaging, prepareCustomerChunks, recordUnchangedDigests } from './apply';
import { applyCustomerChunk } from './apply-chunk';

const modeOf = (run: JobRun) => (run.params as unknown as CustomerImportParams).mode;
/** How many rows earlier attempts of the commit applied. */
const applied = (run: JobRun) => (run.commitChunks?.length ? run.progressProcessed : 0);

/**
 * How a checked customer import is applied, whether right after its checks or on commit after `validateOnly`:
 * in chunks of `CUSTOMER_IMPORT_CHUNK_ROWS` changing lines, each its own transaction; the final step drops the
 * staging tables. A cancel before the first chunk drops them too.
 */
export const customerImportTwoPhase: TwoPhase = {
  chunks: {
    total: (run) => (run.counts.created ?? 0) + (run.counts.updated ?? 0) + (run.counts.deleted ?? 0),
    prepare: (run, { ds, config }) =>
      prepareCustomerChunks(ds, run.accountId, run.id, modeOf(run), config.customers.importChunkRows, applied(run)),
    apply: (m, run, chunk) => applyCustomerChunk(m, run.accountId, run.id, modeOf(run), chunk),
    lanes: ({ config }) => config.customers.importApplyLanes,
  },
  commit: async (m, run) => {
    if (modeOf(run) !== 'delete') await recordUnchangedDigests(m, run.accountId, run.id);
    await dropCustomerStaging(m, run.id);
    // An import that grew the tables by a fifth refreshes their statistics itself, before it counts as done:
    // the next import, list or export then plans for their size without paying for it (autovacuum may lag).
    await analyzeIfStale(m, 'customers');
    await analyzeIfStale(m, 'customer_import_digests');
  },
  tidy: ({ ds }, run) => dropCustomerStaging(ds, run.id),
};
