import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Products and purchase histories. Each purchase-history version is its own partition of
 * purchase_history_rows, loaded and indexed while detached; publishing flips one pointer row, and pruning an old
 * version detaches and drops its partition (no long DELETE). Codes and references compare byte-wise (COLLATE "C").
 */
export class CataloguePurchaseHistory1732280000000 implements MigrationInterface {
  name = 'CataloguePurchaseHistory1732280000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE customers ALTER COLUMN customer_number TYPE text COLLATE "C";
      CREATE TABLE products (
        account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        code text COLLATE "C" NOT NULL CHECK (length(code) BETWEEN 1 AND 64),
        name text NOT NULL,
        data jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (account_id, code)
      );
      CREATE INDEX products_name ON products (account_id, lower(name) text_pattern_ops);
      CREATE TABLE product_columns (
        account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        position int NOT NULL,
        name text NOT NULL,
        PRIMARY KEY (account_id, position),
        UNIQUE (account_id, name)
      );
      CREATE TABLE purchase_history_versions (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        job_run_id uuid UNIQUE REFERENCES job_runs(id) ON DELETE SET NULL,
        state text NOT NULL DEFAULT 'building' CHECK (state IN ('building', 'ready', 'published', 'pruned', 'discarded')),
        base_version_id bigint,
        file_name text,
        rows bigint, customers bigint, products bigint, duplicates bigint, rejected bigint,
        unmatched_customers bigint, unmatched_products bigint,
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz,
        published_by uuid
      );
      CREATE INDEX purchase_history_versions_account ON purchase_history_versions (account_id, published_at DESC NULLS LAST);
      CREATE TABLE purchase_history_current (
        account_id uuid PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
        version_id bigint NOT NULL REFERENCES purchase_history_versions(id)
      );
      CREATE TABLE purchase_history_rows (
        version_id bigint NOT NULL,
        customer_ref text COLLATE "C" NOT NULL,
        product_code text COLLATE "C" NOT NULL
      ) PARTITION BY LIST (version_id);
      CREATE INDEX purchase_history_rows_pair ON purchase_history_rows (customer_ref, product_code);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE purchase_history_rows, purchase_history_current, purchase_history_versions, product_columns, products;
      ALTER TABLE customers ALTER COLUMN customer_number TYPE text COLLATE "default";
    `);
  }
}
