import type { MigrationInterface, QueryRunner } from 'typeorm';

const WEEK = `ARRAY['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']`;

/**
 * Delivery days are stored once each, Monday first, whoever writes them. The API kept them in the order it was
 * sent (`fri, mon`) while an import stores `mon, fri`: an export of such a customer, imported back, read as a
 * change. This puts the lists stored before in week order; the days themselves stay as they were.
 */
export class DeliveryDaysWeekOrder1732350000000 implements MigrationInterface {
  name = 'DeliveryDaysWeekOrder1732350000000';

  async up(q: QueryRunner): Promise<void> {
    const ordered = `ARRAY(SELECT w.d FROM unnest(${WEEK}) WITH ORDINALITY AS w(d, i)
      WHERE w.d = ANY (customers.delivery_days) ORDER BY w.i)`;
    await q.query(
      `UPDATE customers SET delivery_days = ${ordered}
       WHERE delivery_days IS NOT NULL AND delivery_days IS DISTINCT FROM ${ordered}`,
    );
  }

  async down(): Promise<void> {
    // Week order is an order the lists may have had before: nothing to undo.
  }
}
