import { loadPurchaseHistory, purchaseHistoryTwoPhase } from '@customer-hub/purchase-history';
import { defineProcessor } from '@customer-hub/queue';

export const purchaseHistoryProcessor = defineProcessor(
  'purchase-history',
  loadPurchaseHistory,
  purchaseHistoryTwoPhase,
);
