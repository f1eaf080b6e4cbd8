import type { DataSource, EntityManager } from '@customer-hub/db';

/**
 * SQL that keeps the labels `named` (a query of `name`) in the account's ($1) list until the transaction ends:
 * those there are locked first (FOR KEY SHARE: a delete or rename waits for the transaction), then the rest
 * added. A customer written in the same transaction never keeps a label the list lacks, even when the label is
 * deleted meanwhile (it is added again: the writer names it). Added in order of name, so writers adding the same
 * labels at once never deadlock.
 */
export const holdLabelsSql = (named: string) => `WITH named AS MATERIALIZED (${named}),
    held AS (SELECT name FROM labels WHERE account_id = $1 AND name IN (SELECT name FROM named) FOR KEY SHARE)
  INSERT INTO labels (account_id, name)
  SELECT $1::uuid, name FROM named WHERE name NOT IN (SELECT name FROM held) ORDER BY name
  ON CONFLICT DO NOTHING`;

/** Keeps `names` in the account's list until the transaction ends (see {@link holdLabelsSql}). */
export async function holdLabels(db: DataSource | EntityManager, accountId: string, names: string[]): Promise<void> {
  if (names.length === 0) return;
  await db.query(holdLabelsSql('SELECT DISTINCT unnest($2::text[]) AS name'), [accountId, names]);
}
