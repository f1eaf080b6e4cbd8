import { productImportTwoPhase } from '@customer-hub/catalogue';
import type { JobKind } from '@customer-hub/contracts';
import { customerImportTwoPhase } from '@customer-hub/customers';
import { purchaseHistoryTwoPhase } from '@customer-hub/purchase-history';
import type { TwoPhase } from '@customer-hub/queue';

/**
 * Job kinds that can stop in awaiting_commit. The worker commits them (the same definitions are its
 * processors'); the API only asks for that, and tidies up after a cancel.
 */
export const TWO_PHASE: Partial<Record<JobKind, TwoPhase>> = {
  'purchase-history': purchaseHistoryTwoPhase,
  'customer-import': customerImportTwoPhase,
  'product-import': productImportTwoPhase,
};
