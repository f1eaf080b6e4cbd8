import type { DataSource, EntityManager } from '@customer-hub/db';
import { JobInputError } from '@customer-hub/queue';
import { holdLabelsSql } from '../reference/held-labels';

/**
 * The customer groups, catalogues and labels an import's changing lines name, gathered as it counts them.
 *
 * The check resolved every group and catalogue code, but an admin may delete one (that no customer is in yet)
 * before the commit: its lines would then be stored without it, a change nobody asked for. So the commit makes
 * sure, before its first chunk, that every code still names one, and each chunk locks them (FOR KEY SHARE, as
 * a foreign key's check would) before it writes, failing if one went meanwhile. None can then go while the
 * chunk's customers go in. A chunk holds the labels too (see holdLabelsSql): one deleted while a chunk wrote it
 * would stay on the chunk's customers but leave the account's list.
 *
 * Each chunk locks all that the import names (a handful of rows), not only what its own lines name: finding
 * those scanned the chunk's lines, 0.3 s per 50,000, where gathering them once as the import counts its lines
 * takes 0.2 s for a million.
 */

/** The distinct group and catalogue codes of the changing lines, each pair with its first line and count. */
export const codesOf = (stage: string) => `${stage}_codes`;

/** The label names the changing lines name. */
export const labelsOf = (stage: string) => `${stage}_labels`;

/**
 * Keeps {@link codesOf} the stage from `source`, a query of changing lines (`line`, `customer_group`,
 * `catalogue`); `ifMissing` keeps one already there (safe to repeat).
 */
export const gatherCodes = (stage: string, source: string, ifMissing = false) =>
  `CREATE UNLOGGED TABLE ${ifMissing ? 'IF NOT EXISTS ' : ''}${codesOf(stage)} AS
   SELECT customer_group, catalogue, min(line) AS line, count(*)::int AS lines FROM (${source}) x GROUP BY 1, 2`;

/** Keeps {@link labelsOf} the stage from `source`'s `labels` (each a list joined by U+001F). */
export const gatherLabels = (stage: string, source: string, ifMissing = false) =>
  `CREATE UNLOGGED TABLE ${ifMissing ? 'IF NOT EXISTS ' : ''}${labelsOf(stage)} AS
   SELECT DISTINCT unnest(string_to_array(labels, chr(31))) AS name FROM (${source}) x WHERE labels <> ''`;

const REFERENCES = [
  { column: 'customer_group', table: 'customer_groups', what: 'customer group' },
  { column: 'catalogue', table: 'catalogues', what: 'catalogue' },
] as const;

/** A code the lines name that no longer names a group or catalogue: the first line naming it, and how many do. */
interface GoneCode {
  what: string;
  code: string;
  line: number;
  lines: number;
}

/**
 * SQL for the codes the import names that the account ($1) no longer has; `lock` locks the ones it still has
 * (FOR KEY SHARE) for the transaction.
 */
function goneCodesSql(stage: string, lock: boolean): string {
  const named = codesOf(stage);
  const found = REFERENCES.map(
    ({ column, table }) => `found_${column} AS (SELECT code FROM ${table}
      WHERE account_id = $1 AND code IN (SELECT ${column} FROM ${named})${lock ? ' FOR KEY SHARE' : ''})`,
  );
  const gone = REFERENCES.map(
    ({ column, what }) => `SELECT '${what}' AS what, n.${column} AS code, min(n.line) AS line,
      sum(n.lines)::int AS lines
    FROM ${named} n WHERE n.${column} <> '' AND n.${column} NOT IN (SELECT code FROM found_${column})
    GROUP BY n.${column}`,
  );
  return `WITH ${found.join(',\n')}
    ${gone.join('\nUNION ALL\n')}
    ORDER BY line LIMIT 3`;
}

/** What a commit says when codes are gone (`applied` rows already stay applied). */
function goneMessage(gone: GoneCode[], applied: number): string {
  const each = gone.map(
    (g) =>
      `the ${g.what} ${JSON.stringify(g.code)} (named on line ${g.line}` +
      `${g.lines > 1 ? ` and ${g.lines - 1} more` : ''})`,
  );
  const many = gone.length > 1;
  const named = many ? `${each.slice(0, -1).join(', ')} and ${each.at(-1)}` : each[0]!;
  const kept = applied > 0 ? `${applied} rows applied before this stay applied; the rest were not. ` : '';
  return (
    `${named.charAt(0).toUpperCase()}${named.slice(1)} no longer ${many ? 'exist' : 'exists'}: deleted after the ` +
    `file was checked. ${kept}Create ${many ? 'them' : 'it'} again and import the file again, or import it ` +
    `without ${many ? 'those codes' : 'that code'}.`
  );
}

/**
 * Before a commit's chunks: every code the import names must still name a group or catalogue, else the job
 * fails (bad input: no retry). `applied` says how many rows earlier attempts applied.
 */
export async function assertCodesStillNamed(
  db: DataSource | EntityManager,
  accountId: string,
  stage: string,
  applied: number,
): Promise<void> {
  const gone: GoneCode[] = await db.query(goneCodesSql(stage, false), [accountId]);
  if (gone.length) throw new JobInputError(goneMessage(gone, applied));
}

/**
 * In a chunk's transaction, before it writes: locks the groups, catalogues and labels the import names, so none
 * can go (or be renamed) until the chunk commits. A group or catalogue gone since the commit began fails the
 * chunk; a label gone since is added again, as the import adds every label it names.
 */
export async function lockChunkReferences(m: EntityManager, accountId: string, stage: string): Promise<void> {
  const gone: GoneCode[] = await m.query(goneCodesSql(stage, true), [accountId]);
  if (gone.length) throw new Error(goneMessage(gone, 0));
  await m.query(holdLabelsSql(`SELECT name FROM ${labelsOf(stage)}`), [accountId]);
}
