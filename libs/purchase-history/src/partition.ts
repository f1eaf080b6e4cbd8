import { copyRows } from '@customer-hub/db';
import type { PoolClient } from 'pg';
import type { DuplicateSpotter } from './duplicates';
import { partitionOf, stagingOf } from './versions';

/**
 * Creates the table that becomes a version's partition. Rows are COPYed straight into it (no staging copy);
 * the CHECK lets ATTACH skip its validation scan.
 */
export async function createPartition(client: PoolClient, versionId: string): Promise<string> {
  const part = partitionOf(versionId);
  const id = BigInt(versionId);
  await client.query(`DROP TABLE IF EXISTS ${part}`);
  await client.query(
    `CREATE TABLE ${part} (LIKE purchase_history_rows INCLUDING DEFAULTS, CONSTRAINT ${part}_version CHECK (version_id = ${id}))`,
  );
  await client.query(`ALTER TABLE ${part} ALTER COLUMN version_id SET DEFAULT ${id}`);
  return part;
}

/** Keeps one row of every pair: only among the suspects the spotter found, or over the whole table if it gave up. */
async function removeDuplicates(client: PoolClient, versionId: string, spotter: DuplicateSpotter): Promise<number> {
  const part = partitionOf(versionId);
  if (!spotter.overflow && spotter.suspects.size === 0) return 0;
  let scope = part;
  if (!spotter.overflow) {
    const suspects = stagingOf(versionId);
    await client.query(`DROP TABLE IF EXISTS ${suspects}`);
    await client.query(
      `CREATE UNLOGGED TABLE ${suspects} (customer_ref text COLLATE "C", product_code text COLLATE "C")`,
    );
    await copyRows(
      client,
      suspects,
      (function* () {
        for (const pair of spotter.suspects) yield pair.split('\t');
      })(),
    );
    await client.query(`ANALYZE ${suspects}`);
    scope = `(SELECT p.* , p.ctid AS row_id FROM ${part} p JOIN ${suspects} s USING (customer_ref, product_code))`;
  } else {
    scope = `(SELECT p.*, p.ctid AS row_id FROM ${part} p)`;
  }
  const res = await client.query(
    `DELETE FROM ${part} t USING (
       SELECT row_id FROM (
         SELECT row_id, row_number() OVER (PARTITION BY customer_ref, product_code ORDER BY row_id) AS n FROM ${scope} x
       ) ranked WHERE n > 1
     ) d WHERE t.ctid = d.row_id`,
  );
  await client.query(`DROP TABLE IF EXISTS ${stagingOf(versionId)}`);
  return res.rowCount ?? 0;
}

/** Indexes the loaded rows, collapses duplicate pairs, and attaches the table as the version's partition. */
export async function finishPartition(
  client: PoolClient,
  versionId: string,
  spotter: DuplicateSpotter,
  done: (phase: string) => void,
): Promise<number> {
  const part = partitionOf(versionId);
  await client.query(`SET maintenance_work_mem = '512MB'; SET work_mem = '256MB'`);
  try {
    await client.query(`CREATE INDEX ${part}_pair ON ${part} (customer_ref, product_code)`);
    done('index');
    await client.query(`ANALYZE ${part}`);
    const duplicates = await removeDuplicates(client, versionId, spotter);
    done('dedupe');
    await client.query(
      `ALTER TABLE purchase_history_rows ATTACH PARTITION ${part} FOR VALUES IN (${BigInt(versionId)})`,
    );
    done('attach');
    return duplicates;
  } finally {
    await client.query('RESET maintenance_work_mem; RESET work_mem');
  }
}
