import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A version's rows may be split into chunks (sub-partitions by `chunk`) in file order, so that each chunk is
 * indexed while the next one loads. Versions stored before this stay single tables: their rows get chunk 0.
 */
export class PurchaseHistoryChunks1732300000000 implements MigrationInterface {
  name = 'PurchaseHistoryChunks1732300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE purchase_history_rows ADD COLUMN chunk smallint NOT NULL DEFAULT 0');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE purchase_history_rows DROP COLUMN chunk');
  }
}
