import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `POST /v1/jobs/:id/commit` hands a validated job back to the worker instead of applying it in the API: the
 * job_run says when and by whom its commit was asked for, which tells the worker to apply rather than validate.
 */
export class JobCommitRequests1732310000000 implements MigrationInterface {
  name = 'JobCommitRequests1732310000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE job_runs
        ADD COLUMN commit_requested_at timestamptz,
        ADD COLUMN commit_requested_by uuid;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE job_runs DROP COLUMN commit_requested_at, DROP COLUMN commit_requested_by');
  }
}
