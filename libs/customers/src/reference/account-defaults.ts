import { type DataSource, type EntityManager, sqlRows } from '@customer-hub/db';
import { z } from 'zod';
import { DAYS, type Day, weekOrder } from '../fields';
import type { AccountView } from '../views';

type Db = DataSource | EntityManager;

/**
 * What the account sets for all its customers: the days it delivers on, which a customer without days of their
 * own (`deliveryDays: null`) gets.
 */
export const accountDefaultsPatchSchema = z
  .object({
    deliveryDays: z.array(z.enum(DAYS)).min(1, 'needs at least one day').max(7),
  })
  .partial()
  .strict();

export type AccountDefaultsPatch = z.infer<typeof accountDefaultsPatchSchema>;

interface AccountRow {
  slug: string;
  name: string;
  delivery_days: Day[];
}

const present = (r: AccountRow): AccountView => ({ slug: r.slug, name: r.name, deliveryDays: r.delivery_days });

export async function getAccountDefaults(db: Db, accountId: string) {
  const [row] = await sqlRows<AccountRow>(db, 'SELECT slug, name, delivery_days FROM accounts WHERE id = $1', [
    accountId,
  ]);
  return row ? present(row) : null;
}

/** Changes what the patch gives (days stored once each, Monday first); null when there is no such account. */
export async function patchAccountDefaults(db: Db, accountId: string, patch: AccountDefaultsPatch) {
  const [row] = await sqlRows<AccountRow>(
    db,
    `UPDATE accounts SET delivery_days = coalesce($2, delivery_days) WHERE id = $1
     RETURNING slug, name, delivery_days`,
    [accountId, patch.deliveryDays ? weekOrder(patch.deliveryDays) : null],
  );
  return row ? present(row) : null;
}
