import type { RouteDef } from '../http/route';
import { accountRoutes } from './account.routes';
import { catalogueLabelRoutes } from './catalogues-labels.routes';
import { customerImportRoutes } from './customer-imports.routes';
import { customerRecordRoutes } from './customer-records.routes';
import { customerRoutes } from './customers.routes';
import { diagnosticRoutes } from './diagnostics.routes';
import { exportRoutes } from './exports.routes';
import { jobRoutes } from './jobs.routes';
import { meRoutes } from './me.routes';
import { pricingRoutes } from './pricing.routes';
import { productRoutes } from './products.routes';
import { purchaseHistoryRoutes } from './purchase-histories.routes';

/** Every /v1 route; the OpenAPI document is made from this list. */
export const v1Routes: RouteDef[] = [
  ...meRoutes,
  ...accountRoutes,
  ...jobRoutes,
  ...diagnosticRoutes,
  ...purchaseHistoryRoutes,
  ...productRoutes,
  ...exportRoutes,
  ...customerImportRoutes,
  ...pricingRoutes,
  ...catalogueLabelRoutes,
  ...customerRoutes,
  ...customerRecordRoutes,
];
