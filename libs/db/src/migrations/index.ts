import { Foundation1732270000000 } from './1732270000000-foundation';
import { CataloguePurchaseHistory1732280000000 } from './1732280000000-catalogue-purchase-history';

/** Every migration, oldest first. Add new ones at the end. */
export const migrations = [Foundation1732270000000, CataloguePurchaseHistory1732280000000];
