import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Foundation1732270000000 implements MigrationInterface {
  name = 'Foundation1732270000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE accounts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE customers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        customer_number text NOT NULL CHECK (length(customer_number) BETWEEN 1 AND 64),
        name text NOT NULL,
        email text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        UNIQUE (account_id, customer_number),
        UNIQUE (account_id, id)
      );
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        email text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'staff', 'ops', 'customer')),
        customer_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        disabled_at timestamptz,
        FOREIGN KEY (account_id, customer_id) REFERENCES customers(account_id, id) ON DELETE CASCADE,
        CHECK ((role = 'customer') = (customer_id IS NOT NULL)),
        UNIQUE (account_id, id)
      );
      CREATE UNIQUE INDEX users_account_email ON users (account_id, lower(email));
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL,
        user_id uuid NOT NULL,
        name text NOT NULL,
        prefix text NOT NULL,
        token_hash bytea NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        expires_at timestamptz,
        revoked_at timestamptz,
        FOREIGN KEY (account_id, user_id) REFERENCES users(account_id, id) ON DELETE CASCADE
      );
      CREATE INDEX api_tokens_account ON api_tokens (account_id, created_at DESC);
      CREATE TABLE sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL,
        user_id uuid NOT NULL,
        session_hash bytea NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        FOREIGN KEY (account_id, user_id) REFERENCES users(account_id, id) ON DELETE CASCADE
      );
      CREATE INDEX sessions_expiry ON sessions (expires_at);
      CREATE TABLE job_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        kind text NOT NULL,
        state text NOT NULL DEFAULT 'queued'
          CHECK (state IN ('queued', 'running', 'awaiting_commit', 'succeeded', 'failed', 'cancelled')),
        params jsonb NOT NULL DEFAULT '{}',
        counts jsonb NOT NULL DEFAULT '{}',
        progress_processed bigint NOT NULL DEFAULT 0,
        progress_total bigint,
        submitted_by uuid NOT NULL,
        idempotency_key text CHECK (length(idempotency_key) BETWEEN 1 AND 255),
        attempts int NOT NULL DEFAULT 0,
        cancel_requested_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        error jsonb,
        files jsonb NOT NULL DEFAULT '[]',
        FOREIGN KEY (account_id, submitted_by) REFERENCES users(account_id, id)
      );
      CREATE UNIQUE INDEX job_runs_idempotency ON job_runs (account_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
      CREATE INDEX job_runs_account_created ON job_runs (account_id, created_at DESC, id DESC);
      CREATE INDEX job_runs_unfinished ON job_runs (state, created_at) WHERE state IN ('queued', 'running');
      CREATE TABLE diagnostic_ticks (
        job_run_id uuid NOT NULL REFERENCES job_runs(id) ON DELETE CASCADE,
        step int NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (job_run_id, step)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE diagnostic_ticks, job_runs, sessions, api_tokens, users, customers, accounts`);
  }
}
