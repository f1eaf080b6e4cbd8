import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { DataSource } from 'typeorm';

/** `COPY … TO STDOUT` as a stream; the connection goes back to the pool when the stream ends or fails. */
export async function copyOut(ds: DataSource, sql: string): Promise<Readable> {
  const runner = ds.createQueryRunner();
  const client = (await runner.connect()) as PoolClient;
  const stream = client.query(copyTo(sql));
  let released = false;
  const release = () => {
    if (!released) {
      released = true;
      void runner.release();
    }
  };
  stream.once('close', release);
  stream.once('end', release);
  stream.once('error', release);
  return stream;
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

/** {@link copyRows} for rows that come in batches (one await per batch, not per row). */
export async function copyRowBatches(
  client: PoolClient,
  target: string,
  batches: AsyncIterable<(string | null)[][]>,
): Promise<void> {
  const copy = copyIn(client, `COPY ${target} FROM STDIN`);
  let buf = '';
  try {
    for await (const batch of batches) {
      for (const row of batch) {
        let line = '';
        for (let i = 0; i < row.length; i++) line += (i ? '\t' : '') + copyValue(row[i]!);
        buf += `${line}\n`;
      }
      if (buf.length > 1 << 20) {
        if (!copy.stream.write(buf)) await new Promise((r) => copy.stream.once('drain', r));
        buf = '';
      }
    }
    copy.stream.end(buf);
    await copy.done;
  } catch (err) {
    copy.stream.destroy(err as Error);
    await copy.done.catch(() => {});
    throw err;
  }
}
