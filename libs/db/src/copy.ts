import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { DataSource } from 'typeorm';

type PgRunner = {
  connect(): Promise<unknown>;
  release(): Promise<void>;
  releasePostgresConnection(err?: Error): Promise<void>;
};

/**
 * Runs `COPY … TO STDOUT` on `client` and, once its stream has ended and Postgres is ready for the next query
 * (the stream ends a moment before), `then` (ending a transaction, say) and hands the connection back to the
 * pool. A stream that fails or is destroyed before its end leaves the connection mid-COPY: it is discarded.
 */
function streamCopyOut(runner: PgRunner, client: PoolClient, sql: string, then?: () => Promise<unknown>): Readable {
  const stream = client.query(copyTo(sql));
  let settled = false;
  const discard = (err: Error) => {
    if (settled) return;
    settled = true;
    void runner.releasePostgresConnection(err);
  };
  stream.once('end', () => {
    if (settled) return;
    settled = true;
    const ready = (client as unknown as { readyForQuery: boolean }).readyForQuery
      ? Promise.resolve()
      : new Promise((resolve) => client.once('drain', resolve));
    ready.then(then).then(
      () => runner.release(),
      (err: Error) => runner.releasePostgresConnection(err),
    );
  });
  stream.once('error', discard);
  stream.once('close', () => discard(new Error('COPY stream closed before its end')));
  return stream;
}

/** `COPY … TO STDOUT` as a stream on a connection of its own, back in the pool once the stream has ended. */
export async function copyOut(ds: DataSource, sql: string): Promise<Readable> {
  const runner = ds.createQueryRunner() as unknown as PgRunner;
  return streamCopyOut(runner, (await runner.connect()) as PoolClient, sql);
}

/**
 * `COPY … TO STDOUT` statements run at once, each on its own connection, all reading one snapshot: read-only
 * repeatable-read transactions sharing the first one's exported snapshot (as pg_dump -j does), so the parts of
 * one export agree whatever commits meanwhile. Returns their streams in order. Each connection's transaction
 * ends, and the connection goes back to the pool, when its stream ends; one whose stream fails or is destroyed
 * early is discarded.
 */
export async function copyOutInOneSnapshot(ds: DataSource, sqls: string[]): Promise<Readable[]> {
  const runners = sqls.map(() => ds.createQueryRunner() as unknown as PgRunner);
  const clients: PoolClient[] = [];
  try {
    for (const runner of runners) clients.push((await runner.connect()) as PoolClient);
    const begin = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY';
    await clients[0]!.query(begin);
    const { rows } = await clients[0]!.query<{ id: string }>('SELECT pg_export_snapshot() AS id');
    for (const client of clients.slice(1)) {
      await client.query(begin);
      await client.query(`SET TRANSACTION SNAPSHOT '${rows[0]!.id}'`);
    }
  } catch (err) {
    await Promise.all(runners.map((r) => r.releasePostgresConnection(err as Error)));
    throw err;
  }
  return clients.map((client, i) => streamCopyOut(runners[i]!, client, sqls[i]!, () => client.query('COMMIT')));
}

/** `COPY … FROM STDIN` on a lent client; write text-format lines to it, then `end()` and await `done`. */
export function copyIn(client: PoolClient, sql: string) {
  const stream = client.query(copyFrom(sql));
  return { stream, done: finished(stream) };
}

/** Text-format COPY escaping of one value (values with tabs, line breaks or backslashes stay intact). */
export const copyText = (v: string) =>
  /[\\\t\n\r]/.test(v)
    ? v.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!)
    : v;

/** One value of a text-format COPY row: `null` is SQL NULL. */
const copyValue = (v: string | null) => (v === null ? '\\N' : copyText(v));

/**
 * COPYs rows (arrays of text values; `null` for NULL) into `target` (a table, optionally with its column list), in 1 MB writes
 * that respect backpressure. Rows may come from a generator that streams them from a file.
 */
export async function copyRows(
  client: PoolClient,
  target: string,
  rows: Iterable<(string | null)[]> | AsyncIterable<(string | null)[]>,
): Promise<void> {
  async function* single() {
    for await (const row of rows) yield [row];
  }
  await copyRowBatches(client, target, single());
}

/** Characters of lines gathered per write to COPY. */
const WRITE_CHARS = 1 << 16;

/** A row as one text-format COPY line (with its line break). */
export function copyLine(row: (string | null)[]): string {
  let line = '';
  for (let i = 0; i < row.length; i++) line += (i ? '\t' : '') + copyValue(row[i]!);
  return `${line}\n`;
}

/** {@link copyRows} for rows that come in batches (one await per batch, not per row). */
export function copyRowBatches(
  client: PoolClient,
  target: string,
  batches: AsyncIterable<(string | null)[][]>,
): Promise<void> {
  async function* lines() {
    for await (const batch of batches) yield batch.map(copyLine);
  }
  return copyLineBatches(client, target, lines());
}

/**
 * COPYs text-format lines (each ending in a line break; see {@link copyLine}) that come in batches, for a caller
 * that formats its own rows. Each batch's lines are joined, and about 64k characters of them encoded in one go:
 * few enough that they die young (lines kept until a 1 MB write piled up pieces that outlived the young
 * generation), one encoding per write rather than per line (0.6-0.9 s of a 1M-row first pass), and small
 * writes that keep Postgres busy while the next are made.
 */
export async function copyLineBatches(
  client: PoolClient,
  target: string,
  batches: AsyncIterable<string[]>,
): Promise<void> {
  const copy = copyIn(client, `COPY ${target} FROM STDIN`);
  let gathered: string[] = [];
  let chars = 0;
  const write = async () => {
    const piece = Buffer.from(gathered.join(''));
    gathered = [];
    chars = 0;
    if (!copy.stream.write(piece)) await new Promise((r) => copy.stream.once('drain', r));
  };
  try {
    for await (const batch of batches) {
      const text = batch.length === 1 ? batch[0]! : batch.join('');
      gathered.push(text);
      chars += text.length;
      if (chars >= WRITE_CHARS) await write();
    }
    if (chars > 0) await write();
    copy.stream.end();
    await copy.done;
  } catch (err) {
    copy.stream.destroy(err as Error);
    await copy.done.catch(() => {});
    throw err;
  }
}
