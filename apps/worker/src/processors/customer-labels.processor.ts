import { countSelection, editLabels, type LabelSelection, unknownRefs } from '@customer-hub/customers';
import { defineProcessor } from '@customer-hub/queue';

/** Bulk label edit: counts the selection, then edits it set-based in the transaction that settles the job. */
export const customerLabelsProcessor = defineProcessor('customer-labels', async (ctx) => {
  const { ds, run, params } = ctx;
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
