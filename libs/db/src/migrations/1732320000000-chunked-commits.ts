import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A commit too big for one transaction (a customer import of a million profiles) is applied a chunk per
 * transaction: `commit_mark` is how far it got, written in each chunk's own transaction, so a retry after a crash
 * resumes after the last chunk that committed. NULL until the first chunk commits; a job with a mark can no
 * longer be cancelled.
 */
export class ChunkedCommits1732320000000 implements MigrationInterface {
  name = 'ChunkedCommits1732320000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE job_runs ADD COLUMN commit_mark bigint');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE job_runs DROP COLUMN commit_mark');
  }
}
