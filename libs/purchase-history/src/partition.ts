import { copyRows, inClientTransaction } from '@customer-hub/db';
import type { PoolClient } from 'pg';
import type { DuplicateSpotter } from './duplicates';
import { partitionOf, stagingOf } from './versions';

/**
 * Adds the rows the loader held back as possible duplicates: each pair once, unless the version already has it
 * (an index probe per pair and chunk). Returns how many rows were duplicates.
 */
async function addHeldRows(client: PoolClient, versionId: string, spotter: DuplicateSpotter): Promise<number> {
  if (spotter.held.length === 0) return 0;
  const part = partitionOf(versionId);
  const held = stagingOf(versionId);
  await client.query(`DROP TABLE IF EXISTS ${held}`);
  await client.query(
    `CREATE UNLOGGED TABLE ${held} (customer_ref text COLLATE "C", product_code text COLLATE "C", upto int)`,
  );
  await copyRows(
    client,
    held,
    spotter.held.map((row) => row.split('\t')),
  );
  await client.query(`ANALYZE ${held}`);
  return inClientTransaction(client, async () => {
    // A few thousand probes beat any plan that reads the whole version; made in key order, they walk each
    // chunk's index from start to end instead of jumping about it (half the time warm, a third cold). Each
    // pair is looked for only in the chunks up to the one it was first held in (see DuplicateSpotter.hold):
    // the other chunks' probes are pruned as the join runs.
    await client.query('SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off');
    const added = await client.query(
      `INSERT INTO ${part} (version_id, customer_ref, product_code, chunk)
       SELECT ${BigInt(versionId)}, customer_ref, product_code, 0
       FROM (SELECT customer_ref, product_code, min(upto) AS upto FROM ${held} GROUP BY 1, 2 ORDER BY 1, 2) h
       WHERE NOT EXISTS (SELECT 1 FROM ${part} p WHERE p.customer_ref = h.customer_ref
                           AND p.product_code = h.product_code AND p.chunk <= h.upto)`,
    );
    await client.query(`DROP TABLE ${held}`);
    return spotter.held.length - (added.rowCount ?? 0);
  });
}

/** For a file made mostly of duplicates (the spotter gave up): keeps one row of each pair over the whole version. */
async function collapseAllDuplicates(client: PoolClient, versionId: string): Promise<number> {
  const part = partitionOf(versionId);
  const repeated = stagingOf(versionId);
  await client.query(`DROP TABLE IF EXISTS ${repeated}`);
  await client.query(
    `CREATE UNLOGGED TABLE ${repeated} AS
       SELECT customer_ref, product_code, count(*) AS n FROM ${part} GROUP BY 1, 2 HAVING count(*) > 1`,
  );
  return inClientTransaction(client, async () => {
    await client.query(
      `DELETE FROM ${part} p USING ${repeated} r WHERE p.customer_ref = r.customer_ref AND p.product_code = r.product_code`,
    );
    await client.query(
      `INSERT INTO ${part} (version_id, customer_ref, product_code, chunk)
       SELECT ${BigInt(versionId)}, customer_ref, product_code, 0 FROM ${repeated}`,
    );
    const { rows } = await client.query(`SELECT coalesce(sum(n - 1), 0)::int AS gone FROM ${repeated}`);
    await client.query(`DROP TABLE ${repeated}`);
    return rows[0].gone as number;
  });
}

/**
 * Completes a loaded version whose chunks are indexed: indexes the version (which adopts the chunks' indexes),
 * settles duplicate pairs, and attaches it as the version's partition (the chunks' CHECKs spare the scan).
 */
export async function finishPartition(
  client: PoolClient,
  versionId: string,
  spotter: DuplicateSpotter,
  done: (phase: string) => void,
): Promise<number> {
  const part = partitionOf(versionId);
  await client.query(`SET work_mem = '256MB'`);
  try {
    await client.query(`CREATE INDEX ${part}_pair ON ${part} (customer_ref, product_code)`);
    const duplicates = spotter.overflow
      ? await collapseAllDuplicates(client, versionId)
      : await addHeldRows(client, versionId, spotter);
    done('dedupe');
    await client.query(
      `ALTER TABLE purchase_history_rows ATTACH PARTITION ${part} FOR VALUES IN (${BigInt(versionId)})`,
    );
    done('attach');
    return duplicates;
  } finally {
    await client.query('RESET work_mem');
  }
}
