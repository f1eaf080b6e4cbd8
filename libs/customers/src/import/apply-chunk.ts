import type { ImportMode, JobCounts } from '@customer-hub/contracts';
import type { EntityManager } from '@customer-hub/db';
import type { CommitChunk } from '@customer-hub/queue';
import { isUniqueViolation } from '../profile/customers.service';
import { changingLinesOf, UPSERT_DIGEST } from './apply';
import { lockChunkReferences } from './references';
import { newCustomerJoins, RESOLVED, resolvedColumns, stagedLinesJoins } from './resolve-sql';
import { customerStagingOf } from './staging-table';

// Applying one chunk of a checked customer import (apply.ts counts the import and prepares its chunks).

/**
 * Wraps a statement that writes a chunk's customers (`write`; RETURNING gives each one's id, number and new row
 * version) so the same statement records each one's file row digest, and the next import of the same rows reads
 * them as unchanged without parsing them. Only customers this statement wrote are recorded: one whose number a
 * concurrent writer took, or that another writer already changed to match, is compared in full next time. A
 * `created` customer is new, so its digest goes in without a look for an older one. The statement returns how
 * many customers it wrote (`written`).
 */
const recordingDigests = (stage: string, write: string, created = false) => `WITH written AS (${write}
    RETURNING c.id, c.customer_number, c.xmin),
  recorded AS (INSERT INTO customer_import_digests (customer_id, account_id, digest, row_xmin)
    SELECT w.id, $1::uuid, s.digest, w.xmin FROM written w JOIN ${stage} s ON s.number = w.customer_number
    WHERE s.line > $2 AND s.line <= $3 AND s.digest IS NOT NULL
    ${created ? '' : UPSERT_DIGEST})
  SELECT (SELECT count(*)::int FROM written) AS written`;

const cols = resolvedColumns.join(', ');
const exprs = RESOLVED.map(([, e]) => e).join(', ');

/**
 * Applies one chunk of a checked import (its changing lines in `(after, upto]`) in the caller's transaction, and
 * returns how the counts change where the customers changed since the check. Each change is made against the
 * customer as it is now: a line whose customer already matches is left alone (updated_at and all) and counts as
 * unchanged; a new customer whose number was taken meanwhile is updated to the line by upsert (as importing the
 * file after the other writer would) and left to its owner by create (skipped); a repeated chunk changes
 * nothing, so a retry after a crash ends as an uninterrupted run would. A customer whose number changed after
 * the check no longer has the line's number: upsert then creates that number as a new customer (as importing
 * the file again would), update leaves the line alone (skipped).
 */
export async function applyCustomerChunk(
  m: EntityManager,
  accountId: string,
  jobRunId: string,
  mode: ImportMode,
  { after, upto, rows }: CommitChunk,
): Promise<JobCounts | undefined> {
  const stage = customerStagingOf(jobRunId);
  const lines = changingLinesOf(stage);
  const chunk: Chunk = {
    m,
    stage,
    lines,
    // Both tables are read by line range: the chunk's lines through their key, its staged rows through the BRIN.
    range: `u.line > $2 AND u.line <= $3 AND s.line > $2 AND s.line <= $3`,
    args: [accountId, after, upto],
  };
  const fix = new Corrections();
  if (mode === 'delete') {
    const [, deleted] = await m.query(
      `UPDATE customers c SET deleted_at = now(), updated_at = now()
       FROM ${lines} u JOIN ${stage} s ON s.line = u.line
       WHERE ${chunk.range} AND c.account_id = $1 AND c.customer_number = s.number AND c.deleted_at IS NULL`,
      chunk.args,
    );
    // Deleted meanwhile, or renumbered: nothing left to delete.
    fix.move('deleted', 'unchanged', rows - (deleted as number));
    return fix.counts();
  }
  // The groups, catalogues and labels the chunk names stay until it commits (or it fails here, writing nothing).
  await lockChunkReferences(m, accountId, stage);
  // A chunk of only new customers (a first import) or only stored ones (a re-import) runs only the statement it
  // needs: the other, with nothing to find, was planned against the whole account and cost up to a second a chunk.
  const [{ created, stored }] = await m.query(
    `SELECT count(*) FILTER (WHERE u.created)::int AS created, count(*) FILTER (WHERE NOT u.created)::int AS stored
     FROM ${lines} u WHERE u.line > $1 AND u.line <= $2`,
    [after, upto],
  );
  // The new customers go in sorted by number (close together in its index): room to sort a chunk in memory.
  await m.query(`SET LOCAL work_mem = '64MB'`);
  if (stored > 0) {
    const updated = await updateStored(chunk, 'NOT u.created');
    if (updated < stored) {
      // Some customer already matched (unchanged), or no longer has the line's number: upsert creates that
      // number if the line names the customer, as a new customer needs; otherwise the line is skipped.
      const gone = `NOT u.created AND NOT EXISTS
        (SELECT FROM customers x WHERE x.account_id = $1 AND x.customer_number = s.number)`;
      const [{ missing }] = await m.query(
        `SELECT count(*)::int AS missing FROM ${stagedLinesJoins(stage, lines)} WHERE ${gone} AND ${chunk.range}`,
        chunk.args,
      );
      const renumbered = missing > 0 && mode === 'upsert' ? await insertNew(chunk, `${gone} AND s.name <> ''`) : 0;
      fix.move('updated', 'unchanged', stored - updated - missing);
      fix.move('updated', 'created', renumbered);
      fix.move('updated', 'skipped', missing - renumbered);
    }
  }
  if (created > 0) {
    const inserted = await insertNew(chunk, 'u.created');
    if (inserted < created) {
      // Numbers another writer took since the check.
      const taken = created - inserted;
      if (mode === 'upsert') {
        const updated = await updateStored(chunk, 'u.created');
        fix.move('created', 'updated', updated);
        fix.move('created', 'unchanged', taken - updated);
      } else fix.move('created', 'skipped', taken);
    }
  }
  return fix.counts();
}

/**
 * What a chunk's statements share: its transaction, the import's staging and changing-lines tables, the
 * condition that keeps both to the chunk's lines, and the arguments ($1 the account, $2 and $3 the line range).
 */
interface Chunk {
  m: EntityManager;
  stage: string;
  lines: string;
  range: string;
  args: unknown[];
}

/** Lines a chunk counts under another outcome than the check did. */
class Corrections {
  private readonly by: JobCounts = {};
  move(from: string, to: string, n: number): void {
    if (n <= 0) return;
    this.by[from] = (this.by[from] ?? 0) - n;
    this.by[to] = (this.by[to] ?? 0) + n;
  }
  counts(): JobCounts | undefined {
    return Object.keys(this.by).length ? this.by : undefined;
  }
}

const current = resolvedColumns.map((c) => `c.${c}`).join(', ');

/**
 * The customers of the chunk's lines that `which` picks, where the line changes something; how many it wrote
 * (stored customers; new ones whose number was taken since the check). Each is found through the
 * unique index on the number, one probe per changed line, never a scan of the table. A plain UPDATE: INSERT ...
 * ON CONFLICT DO UPDATE took a fifth longer (it locks each row before it updates it).
 */
async function updateStored({ m, stage, lines, range, args }: Chunk, which: string): Promise<number> {
  const [{ written }] = await m.query(
    recordingDigests(
      stage,
      `UPDATE customers c SET (${cols}, deleted_at, updated_at) = ROW(${exprs}, NULL, now())
       FROM ${stagedLinesJoins(stage, lines)}
       WHERE (${which}) AND ${range} AND c.account_id = $1 AND c.customer_number = s.number
         AND (c.deleted_at IS NOT NULL OR (${current}) IS DISTINCT FROM (${exprs}))`,
    ),
    args,
  );
  return written as number;
}

/**
 * The chunk's lines that `which` picks, as new customers. The check found these numbers free, so a plain insert
 * (no look before each row) nearly always does; if a customer took one since, the chunk's new customers go in
 * again, passing over that one (the caller decides what becomes of its line). How many went in.
 */
async function insertNew({ m, stage, lines, range, args }: Chunk, which: string): Promise<number> {
  const insert = async (onConflict = ''): Promise<number> => {
    const [{ written }] = await m.query(
      recordingDigests(
        stage,
        `INSERT INTO customers AS c (id, account_id, customer_number, ${cols})
         SELECT s.id, $1::uuid, s.number, ${exprs} FROM ${newCustomerJoins(stage, lines)}
         WHERE (${which}) AND ${range} ORDER BY s.number ${onConflict}`,
        true,
      ),
      args,
    );
    return written as number;
  };
  await m.query('SAVEPOINT new_customers');
  let inserted: number;
  try {
    inserted = await insert();
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    await m.query('ROLLBACK TO SAVEPOINT new_customers');
    inserted = await insert('ON CONFLICT (account_id, customer_number) DO NOTHING');
  }
  await m.query('RELEASE SAVEPOINT new_customers');
  return inserted;
}
