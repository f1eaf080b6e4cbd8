import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A commit too big for one transaction (a customer import of a million profiles) is applied a chunk per
 * transaction: `commit_chunks` lists the chunks applied, each added in that chunk's own transaction, so a retry
 * after a crash applies only the others. NULL until the first chunk commits; a job with chunks applied can no
 * longer be cancelled.
 */
export class ChunkedCommits1732320000000 implements MigrationInterface {
  name = 'ChunkedCommits1732320000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE job_runs ADD COLUMN commit_chunks int[]');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE job_runs DROP COLUMN commit_chunks');
  }
}
