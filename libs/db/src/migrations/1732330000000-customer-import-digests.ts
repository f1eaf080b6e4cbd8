import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the last import knew of each customer: the digest of the file row (with its header and options) that
 * leaves the customer as it is, and the customer's row version (`xmin`) when that was true. Any later change to
 * the customer (the API, a bulk label edit, a deleted group) writes a new row version, so a digest counts only
 * while `row_xmin` is still the customer's `xmin`. A re-import reads a matching row as unchanged without parsing
 * it. Only a cache: unlogged (a crash empties it, and the next import compares every row again), never read for
 * anything but that shortcut. No foreign keys: their check per row cost a tenth of an import chunk's time, and a
 * digest that outlives its customer or account matches nothing (ids are never reused). Keyed by account first,
 * so an import can ask cheaply whether its account has any.
 */
export class CustomerImportDigests1732330000000 implements MigrationInterface {
  name = 'CustomerImportDigests1732330000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE UNLOGGED TABLE customer_import_digests (
        account_id uuid NOT NULL,
        customer_id uuid NOT NULL,
        digest bigint NOT NULL,
        row_xmin xid NOT NULL,
        PRIMARY KEY (account_id, customer_id)
      )`);
    // The headers and options (digestKey) under which an account's imports have recorded digests: an import
    // with another reads its file in one pass, as none of its rows could match.
    await q.query(`
      CREATE UNLOGGED TABLE customer_import_keys (
        account_id uuid NOT NULL,
        key text NOT NULL,
        PRIMARY KEY (account_id, key)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE customer_import_digests, customer_import_keys');
  }
}
