import type { ErrorReport } from '@customer-hub/csv';
import type { PoolClient } from '@customer-hub/db';
import type { JobContext } from '@customer-hub/queue';
import type { Layout } from './layout';
import { resolveJoins } from './resolve-sql';
import { columnLabel } from './staging';

/**
 * Checks that need the database or the whole file. Each row's first problem is kept in `problems`, rejected or
 * skipped, and reported in line order at the end ({@link reportProblems}).
 */

type Ctx = JobContext<'customer-import'>;

export const problemsOf = (stage: string) => `${stage}_problems`;

export async function createProblems(client: PoolClient, stage: string): Promise<void> {
  const problems = problemsOf(stage);
  await client.query(`DROP TABLE IF EXISTS ${problems}`);
  await client.query(
    `CREATE UNLOGGED TABLE ${problems} (line int, col text, value text, message text, skipped boolean)`,
  );
}

/** Where a check's problem is: the column of a field, named as the file names it. */
function places(layout: Layout, header: string[]) {
  const where = (i: number) => columnLabel(header, i);
  const whereField = (column: string) => {
    const at = layout.scalars.find((s) => s.field.column === column);
    if (at) return where(at.index);
    if (column === 'name' && layout.nameParts.length) return where(layout.nameParts[0]!);
    return `${column} (no such column)`;
  };
  return { where, whereField };
}

/** Adds each row's first problem among `checks` (selects of line, column, value, message, skipped). */
async function addProblems(client: PoolClient, stage: string, checks: string[], args: unknown[]) {
  await client.query(
    `INSERT INTO ${problemsOf(stage)}
     SELECT DISTINCT ON (line) * FROM (${checks.join(' UNION ALL ')}) p ORDER BY line, 5`,
    args,
  );
}

/**
 * Checks of every row read (`raw`: the first-pass table, or the staging table when read in one pass), before
 * any is parsed in two passes: a number given twice (rejected; not looked for when the reader saw every number
 * `unique`), and what the mode leaves alone (skipped).
 */
export async function checkNumbers(
  client: PoolClient,
  ctx: Ctx,
  { stage, raw, unique }: { stage: string; raw: string; unique: boolean },
  layout: Layout,
  header: string[],
) {
  const { params, run } = ctx;
  // $1 is the number's column; $2 the account, for the mode's checks.
  const customer = `${raw} s LEFT JOIN customers c ON c.account_id = $2 AND c.customer_number = s.number`;
  const checks: string[] = [];
  if (!unique) {
    // The numbers given twice first (a hash aggregate), then their later lines: half the time of a window.
    checks.push(
      `SELECT r.line, $1, r.number, 'customer number ' || r.number || ' already appears on line ' || d.first || '; give each customer once', false
       FROM ${raw} r JOIN (SELECT number, min(line) AS first FROM ${raw} GROUP BY number HAVING count(*) > 1) d
         ON d.number = r.number
       WHERE r.line <> d.first`,
    );
  }
  if (params.mode === 'create') {
    checks.push(
      `SELECT s.line, $1, s.number, 'skipped: customer ' || s.number || ' already exists (mode=create leaves it alone)', true
       FROM ${customer} WHERE c.id IS NOT NULL`,
    );
  }
  if (params.mode === 'update' || params.mode === 'delete') {
    checks.push(
      `SELECT s.line, $1, s.number, 'skipped: no customer has the number ' || s.number, true
       FROM ${customer} WHERE c.id IS NULL`,
    );
  }
  if (checks.length === 0) return;
  const where = places(layout, header).where(layout.key);
  await addProblems(client, stage, checks, params.mode === 'upsert' ? [where] : [where, run.accountId]);
}

/**
 * Checks of the parsed rows: unknown group or catalogue codes, a new customer without a name (rejected). Those
 * rows leave staging.
 */
export async function checkParsed(client: PoolClient, ctx: Ctx, stage: string, layout: Layout, header: string[]) {
  const { params, run } = ctx;
  if (params.mode !== 'delete') {
    const joins = resolveJoins(stage);
    const { whereField } = places(layout, header);
    await addProblems(
      client,
      stage,
      [
        `SELECT s.line, $2, s.customer_group, 'no customer group has the code ' || s.customer_group, false
         FROM ${joins} WHERE s.customer_group <> '' AND g.id IS NULL`,
        `SELECT s.line, $3, s.catalogue, 'no catalogue has the code ' || s.catalogue, false
         FROM ${joins} WHERE s.catalogue <> '' AND k.id IS NULL`,
        `SELECT s.line, $4, '', 'name is required for a new customer', false
         FROM ${joins} WHERE c.id IS NULL AND coalesce(s.name, '') = ''`,
      ],
      [run.accountId, whereField('customer_group'), whereField('catalogue'), whereField('name')],
    );
  }
  await client.query(`DELETE FROM ${stage} s USING ${problemsOf(stage)} p WHERE s.line = p.line`);
}

/** Writes the problems to the report in line order, drops them, and counts them. */
export async function reportProblems(client: PoolClient, stage: string, report: ErrorReport) {
  const problems = problemsOf(stage);
  let after = 0;
  let rejected = 0;
  let skipped = 0;
  for (;;) {
    const { rows } = await client.query<{
      line: number;
      col: string;
      value: string;
      message: string;
      skipped: boolean;
    }>(`SELECT * FROM ${problems} WHERE line > $1 ORDER BY line LIMIT 10000`, [after]);
    for (const p of rows) {
      await report.add({ line: p.line, column: p.col, value: p.value ?? '', message: p.message });
      if (p.skipped) skipped++;
      else rejected++;
    }
    if (rows.length < 10000) break;
    after = rows.at(-1)!.line;
  }
  await client.query(`DROP TABLE ${problems}`);
  return { rejected, skipped };
}
