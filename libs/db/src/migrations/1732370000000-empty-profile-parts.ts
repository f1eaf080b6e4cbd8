import type { MigrationInterface, QueryRunner } from 'typeorm';

/** JSON values that hold nothing: an empty text or list. */
const EMPTY = `('""'::jsonb, '[]'::jsonb)`;
/** An object's members that hold something, as an object (NULL when none does). */
const kept = (obj: string) =>
  `(SELECT jsonb_object_agg(key, value) FROM jsonb_each(${obj}) WHERE value NOT IN ${EMPTY})`;
const hasEmpty = (obj: string) =>
  `(jsonb_typeof(${obj}) = 'object' AND (${obj} = '{}' OR EXISTS (SELECT FROM jsonb_each(${obj}) WHERE value IN ${EMPTY})))`;

/**
 * An empty text is no value, in a customer's profile as in an import's blank cell. The API stored empty texts
 * (a contact name of '', an address part of '', a contact with no phones as []), which an import with
 * blank=clear, reading an export of them, took away as a change. The API now stores NULL or leaves the part out;
 * this does the same to what it stored before. Nothing that held a value changes, nor updated_at.
 */
export class EmptyProfileParts1732370000000 implements MigrationInterface {
  name = 'EmptyProfileParts1732370000000';

  async up(q: QueryRunner): Promise<void> {
    const texts = ['contact_name', 'phone', 'pricing_tier', 'payment_terms'];
    await q.query(
      `UPDATE customers SET ${texts.map((t) => `${t} = nullif(${t}, '')`).join(', ')}
       WHERE ${texts.map((t) => `${t} = ''`).join(' OR ')}`,
    );
    for (const col of ['billing_address', 'shipping_address']) {
      await q.query(`UPDATE customers SET ${col} = ${kept(col)} WHERE ${hasEmpty(col)}`);
    }
    await q.query(
      `UPDATE customers SET other_addresses = coalesce(
         (SELECT jsonb_agg(o ORDER BY i) FROM (
            SELECT e.i, ${kept('e.v')} AS o FROM jsonb_array_elements(other_addresses) WITH ORDINALITY e(v, i)) x
          WHERE o IS NOT NULL), '[]')
       WHERE EXISTS (SELECT FROM jsonb_array_elements(other_addresses) e(v) WHERE ${hasEmpty('e.v')})`,
    );
    // Contacts keep their slots: an emptied one before a filled one is null, none is left at the end.
    await q.query(
      `UPDATE customers SET contacts = coalesce(
         (SELECT jsonb_agg(o ORDER BY i) FILTER (WHERE i <= last) FROM (
            SELECT i, o, max(i) FILTER (WHERE o IS NOT NULL) OVER () AS last FROM (
              SELECT e.i, CASE WHEN jsonb_typeof(e.v) = 'object' THEN ${kept('e.v')} END AS o
              FROM jsonb_array_elements(contacts) WITH ORDINALITY e(v, i)) y) z), '[]')
       WHERE contacts -> -1 = 'null'
          OR EXISTS (SELECT FROM jsonb_array_elements(contacts) e(v) WHERE ${hasEmpty('e.v')})`,
    );
  }

  async down(): Promise<void> {
    // The empty texts held nothing: nothing to put back.
  }
}
