import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The full customer profile. Owned parts that are always read and written with the customer (default billing and
 * shipping address, further addresses, contacts, custom fields) are jsonb columns; shared things (groups, price
 * lists, catalogues, labels) are tables of their own. Balances change only through the ledger; number changes
 * and note edits keep their history.
 */
export class CustomerProfiles1732290000000 implements MigrationInterface {
  name = 'CustomerProfiles1732290000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- Time-ordered UUIDs (version 7, RFC 9562): new rows land at the end of the id indexes, which keeps a
      -- bulk import's index pages in cache. Postgres 18 has uuidv7(); this is the same layout.
      CREATE FUNCTION uuid_v7() RETURNS uuid LANGUAGE sql VOLATILE PARALLEL SAFE AS $f$
        SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) PLACING
          substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3) FROM 1 FOR 6),
          52, 1), 53, 1), 'hex')::uuid
      $f$;
      ALTER TABLE customers ALTER COLUMN id SET DEFAULT uuid_v7();
      CREATE TABLE price_lists (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        code text COLLATE "C" NOT NULL CHECK (length(code) BETWEEN 1 AND 64),
        name text NOT NULL,
        currency char(3) NOT NULL DEFAULT 'EUR',
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (account_id, code),
        UNIQUE (account_id, id)
      );
      CREATE TABLE price_list_items (
        account_id uuid NOT NULL,
        price_list_id uuid NOT NULL,
        product_code text COLLATE "C" NOT NULL,
        price_minor bigint NOT NULL CHECK (price_minor >= 0),
        PRIMARY KEY (price_list_id, product_code),
        FOREIGN KEY (account_id, price_list_id) REFERENCES price_lists(account_id, id) ON DELETE CASCADE
      );
      CREATE TABLE customer_groups (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        code text COLLATE "C" NOT NULL CHECK (length(code) BETWEEN 1 AND 64),
        name text NOT NULL,
        price_list_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (account_id, code),
        UNIQUE (account_id, id),
        FOREIGN KEY (account_id, price_list_id) REFERENCES price_lists(account_id, id)
      );
      CREATE TABLE catalogues (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        code text COLLATE "C" NOT NULL CHECK (length(code) BETWEEN 1 AND 64),
        name text NOT NULL,
        is_main boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (account_id, code),
        UNIQUE (account_id, id)
      );
      CREATE UNIQUE INDEX catalogues_one_main ON catalogues (account_id) WHERE is_main;
      CREATE TABLE catalogue_products (
        account_id uuid NOT NULL,
        catalogue_id uuid NOT NULL,
        product_code text COLLATE "C" NOT NULL,
        PRIMARY KEY (catalogue_id, product_code),
        FOREIGN KEY (account_id, catalogue_id) REFERENCES catalogues(account_id, id) ON DELETE CASCADE
      );
      CREATE TABLE labels (
        account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        name text COLLATE "C" NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (account_id, name)
      );

      ALTER TABLE customers
        ADD COLUMN type text NOT NULL DEFAULT 'business' CHECK (type IN ('consumer', 'business')),
        ADD COLUMN contact_name text,
        ADD COLUMN phone text,
        ADD COLUMN group_id uuid,
        ADD COLUMN pricing_tier text,
        ADD COLUMN catalogue_id uuid,
        ADD COLUMN payment_terms text,
        ADD COLUMN cutoff_enabled boolean NOT NULL DEFAULT false,
        ADD COLUMN cutoff_time time,
        ADD COLUMN cutoff_type text NOT NULL DEFAULT 'strict' CHECK (cutoff_type IN ('strict', 'flexible')),
        ADD COLUMN delivery_days text[]
          CHECK (delivery_days <@ ARRAY['mon','tue','wed','thu','fri','sat','sun']),
        ADD COLUMN labels text[] COLLATE "C" NOT NULL DEFAULT '{}',
        ADD COLUMN billing_address jsonb,
        ADD COLUMN shipping_address jsonb,
        ADD COLUMN other_addresses jsonb NOT NULL DEFAULT '[]',
        ADD COLUMN contacts jsonb NOT NULL DEFAULT '[]',
        ADD COLUMN currency char(3) NOT NULL DEFAULT 'EUR',
        ADD COLUMN store_credit_minor bigint NOT NULL DEFAULT 0 CHECK (store_credit_minor >= 0),
        ADD COLUMN on_account_minor bigint NOT NULL DEFAULT 0,
        ADD COLUMN loyalty_points bigint NOT NULL DEFAULT 0,
        ADD COLUMN portal_access boolean NOT NULL DEFAULT false,
        ADD COLUMN custom_fields jsonb NOT NULL DEFAULT '{}',
        ADD FOREIGN KEY (account_id, group_id) REFERENCES customer_groups(account_id, id),
        ADD FOREIGN KEY (account_id, catalogue_id) REFERENCES catalogues(account_id, id);
      CREATE INDEX customers_group ON customers (group_id) WHERE group_id IS NOT NULL;
      CREATE INDEX customers_catalogue ON customers (catalogue_id) WHERE catalogue_id IS NOT NULL;
      CREATE INDEX customers_labels ON customers USING gin (labels);
      CREATE INDEX customers_updated ON customers (account_id, updated_at);
      -- Search is by prefix of number, name or email: b-trees cost a bulk import far less than a trigram index.
      CREATE INDEX customers_name_prefix ON customers (account_id, lower(name) text_pattern_ops);
      CREATE INDEX customers_email_prefix ON customers (account_id, lower(email) text_pattern_ops);

      CREATE TABLE customer_number_changes (
        id bigserial PRIMARY KEY,
        account_id uuid NOT NULL,
        customer_id uuid NOT NULL,
        old_number text NOT NULL,
        new_number text NOT NULL,
        changed_by uuid,
        changed_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (account_id, customer_id) REFERENCES customers(account_id, id) ON DELETE CASCADE
      );
      CREATE TABLE customer_notes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL,
        customer_id uuid NOT NULL,
        body text NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_by uuid,
        updated_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (account_id, customer_id) REFERENCES customers(account_id, id) ON DELETE CASCADE
      );
      CREATE INDEX customer_notes_customer ON customer_notes (customer_id, created_at);
      CREATE TABLE customer_note_revisions (
        id bigserial PRIMARY KEY,
        note_id uuid NOT NULL REFERENCES customer_notes(id) ON DELETE CASCADE,
        body text NOT NULL,
        edited_by uuid,
        edited_at timestamptz NOT NULL
      );
      CREATE TABLE balance_entries (
        id bigserial PRIMARY KEY,
        account_id uuid NOT NULL,
        customer_id uuid NOT NULL,
        balance text NOT NULL CHECK (balance IN ('store_credit', 'on_account')),
        amount_minor bigint NOT NULL CHECK (amount_minor <> 0),
        balance_after_minor bigint NOT NULL,
        currency char(3) NOT NULL,
        reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (account_id, customer_id) REFERENCES customers(account_id, id) ON DELETE CASCADE
      );
      CREATE INDEX balance_entries_customer ON balance_entries (customer_id, id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE balance_entries, customer_note_revisions, customer_notes, customer_number_changes;
      ALTER TABLE customers
        DROP COLUMN type, DROP COLUMN contact_name, DROP COLUMN phone, DROP COLUMN group_id, DROP COLUMN pricing_tier,
        DROP COLUMN catalogue_id, DROP COLUMN payment_terms, DROP COLUMN cutoff_enabled, DROP COLUMN cutoff_time,
        DROP COLUMN cutoff_type, DROP COLUMN delivery_days, DROP COLUMN labels, DROP COLUMN billing_address,
        DROP COLUMN shipping_address, DROP COLUMN other_addresses, DROP COLUMN contacts, DROP COLUMN currency,
        DROP COLUMN store_credit_minor, DROP COLUMN on_account_minor, DROP COLUMN loyalty_points,
        DROP COLUMN portal_access, DROP COLUMN custom_fields;
      DROP TABLE labels, catalogue_products, catalogues, customer_groups, price_list_items, price_lists;
      ALTER TABLE customers ALTER COLUMN id SET DEFAULT gen_random_uuid();
      DROP FUNCTION uuid_v7();
    `);
  }
}
