import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The account's default delivery days: a customer without days of their own (delivery_days NULL) gets these.
 * Monday to Friday until an admin says otherwise; at least one day, once each, Monday first.
 */
export class AccountDeliveryDays1732360000000 implements MigrationInterface {
  name = 'AccountDeliveryDays1732360000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE accounts ADD COLUMN delivery_days text[] NOT NULL DEFAULT '{mon,tue,wed,thu,fri}'
         CHECK (cardinality(delivery_days) >= 1
           AND delivery_days <@ ARRAY['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'])`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE accounts DROP COLUMN delivery_days');
  }
}
