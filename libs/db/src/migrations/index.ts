import { Foundation1732270000000 } from './1732270000000-foundation';
import { CataloguePurchaseHistory1732280000000 } from './1732280000000-catalogue-purchase-history';
import { CustomerProfiles1732290000000 } from './1732290000000-customer-profiles';
import { PurchaseHistoryChunks1732300000000 } from './1732300000000-purchase-history-chunks';
import { JobCommitRequests1732310000000 } from './1732310000000-job-commit-requests';
import { ChunkedCommits1732320000000 } from './1732320000000-chunked-commits';
import { CustomerImportDigests1732330000000 } from './1732330000000-customer-import-digests';
import { CustomerKey1732340000000 } from './1732340000000-customer-key';
import { DeliveryDaysWeekOrder1732350000000 } from './1732350000000-delivery-days-week-order';
import { AccountDeliveryDays1732360000000 } from './1732360000000-account-delivery-days';
import { EmptyProfileParts1732370000000 } from './1732370000000-empty-profile-parts';

/** Every migration, oldest first. Add new ones at the end. */
export const migrations = [
  Foundation1732270000000,
  CataloguePurchaseHistory1732280000000,
  CustomerProfiles1732290000000,
  PurchaseHistoryChunks1732300000000,
  JobCommitRequests1732310000000,
  ChunkedCommits1732320000000,
  CustomerImportDigests1732330000000,
  CustomerKey1732340000000,
  DeliveryDaysWeekOrder1732350000000,
  AccountDeliveryDays1732360000000,
  EmptyProfileParts1732370000000,
];
