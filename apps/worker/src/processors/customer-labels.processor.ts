import {
  countSelection,
  deleteLabel,
  editLabels,
  type LabelSelection,
  labelUse,
  renameLabel,
  unknownRefs,
} from '@customer-hub/customers';
import { defineProcessor, JobInputError } from '@customer-hub/queue';

/**
 * Bulk label edit: counts the selection, then edits it set-based in the transaction that settles the job. A
 * label renamed or deleted on more customers than an API call changes at once is one too: every customer
 * carrying it changes in that one transaction.
 */
export const customerLabelsProcessor = defineProcessor('customer-labels', async (ctx) => {
  const { ds, run, params } = ctx;
  if ('label' in params) {
    const { label, renameTo } = params;
    const gone = () => new JobInputError(`The label ${label} no longer exists; nothing was changed.`);
    const selected = await labelUse(ds.manager, run.accountId, label);
    if (selected === null) throw gone();
    const counts: Record<string, number> = { selected };
    return {
      counts,
      commit: async (m) => {
        // Counted in the transaction that changes them.
        const carrying = await labelUse(m, run.accountId, label);
        const done =
          renameTo === null
            ? await deleteLabel(m, run.accountId, label)
            : (await renameLabel(m, run.accountId, label, renameTo)) !== null;
        if (carrying === null || !done) throw gone();
        counts.changed = carrying;
      },
    };
  }
  const selection = params.selection as LabelSelection;
  const selected = await countSelection(ds.manager, run.accountId, selection);
  // Numbers that name no customer are counted, not passed over.
  const unknown =
    'customerRefs' in selection ? (await unknownRefs(ds.manager, run.accountId, selection.customerRefs)).length : 0;
  const counts: Record<string, number> = { selected, unknownRefs: unknown };
  return {
    counts,
    commit: async (m) => {
      counts.changed = await editLabels(m, run.accountId, selection, params.add, params.remove);
    },
  };
});
