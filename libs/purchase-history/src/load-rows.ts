import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import type { CsvDialect, ErrorReport } from '@customer-hub/csv';
import { ChunkDecoder, CsvSplitter, readCsvBatches } from '@customer-hub/csv';
import type { JobContext } from '@customer-hub/queue';
import { LineScan } from './line-scan';
import { type LoadCounts, MAX_LENGTH, RowSink, type RowTrackers } from './row-sink';
import type { VersionWriter } from './version-writer';

const LF = 10;
const CR = 13;
/** A line longer than this without a line end is handed to the CSV reader rather than held. */
const MAX_CARRY = 1 << 20;

/**
 * Streams the upload into the version's table in one pass, rejected rows into the error report.
 *
 * COPY reads CSV in the upload's own delimiter, so most of a UTF-8 file goes to Postgres as the bytes it came
 * in: a block of lines that {@link LineScan} finds common (two plain keys, maybe ignored columns) is checked,
 * hashed for the trackers and passed on without a string per row. Any other block (the header, quoting, a bad
 * row, another encoding) goes through the full CSV reader, row by row, as before; both meet in the same COPY.
 */
export async function loadRows(
  ctx: JobContext<'purchase-history'>,
  writer: VersionWriter,
  dialect: CsvDialect,
  report: ErrorReport,
  track: RowTrackers,
): Promise<LoadCounts> {
  const rows = new RowSink(ctx, writer, dialect, report, track);
  const source = await ctx.files.read(ctx.params.inputFile);
  try {
    if (dialect.encoding === 'utf-8') await readUtf8(source, dialect, rows);
    else {
      for await (const batch of readCsvBatches(source, dialect)) {
        rows.records(batch);
        await rows.flush();
      }
    }
    rows.finish();
    await rows.flush();
    await writer.end();
  } catch (err) {
    source.destroy();
    await writer.abort(err as Error);
    throw err;
  }
  await ctx.progress(rows.rowsRead, rows.rowsRead);
  return rows.counts;
}

/**
 * Reads a UTF-8 upload in blocks of whole lines: common blocks by {@link LineScan}, the rest by the CSV reader.
 * A line cut by a chunk boundary is joined to its end in a small buffer of its own, and the rest of the chunk
 * is read where it lies: copying whole chunks made a large buffer per chunk, and that garbage alone made the
 * worker run a full collection about twice a second.
 */
async function readUtf8(source: Readable, dialect: CsvDialect, rows: RowSink): Promise<void> {
  const decoder = new ChunkDecoder('utf-8');
  const splitter = new CsvSplitter(dialect.delimiter);
  const scan = new LineScan(dialect.delimiter.charCodeAt(0), MAX_LENGTH);
  let line = 1; // the line the next block starts on, while the splitter is between records
  const read = (block: Buffer) => {
    if (splitter.idle) splitter.line = line;
    for (const out of splitter.split(decoder.decode(block), false)) rows.records(out);
    line = splitter.line;
  };
  const take = (block: Buffer) => {
    if (rows.settled && splitter.idle && isUtf8(block) && scan.scan(block, 0, block.length)) {
      decoder.skip(block.length, scan.count);
      line += scan.count;
      rows.scanned(block, scan);
    } else read(block);
  };
  let carry: Buffer | null = null;
  for await (const chunk of source as AsyncIterable<Buffer>) {
    rows.bytesRead += chunk.length;
    let rest = chunk;
    if (carry) {
      const end = lineEnd(chunk, 'first');
      if (end < 0 && carry.length + chunk.length < MAX_CARRY) {
        carry = Buffer.concat([carry, chunk]);
        continue;
      }
      const upto = end < 0 ? chunk.length : end + 1;
      take(Buffer.concat([carry, chunk.subarray(0, upto)]));
      carry = null;
      rest = chunk.subarray(upto);
    }
    const end = lineEnd(rest, 'last');
    if (end >= 0) take(rest.subarray(0, end + 1));
    if (end + 1 < rest.length) carry = rest.subarray(end + 1);
    await rows.flush();
  }
  if (carry) read(carry);
  for (const out of splitter.split(decoder.end(), true)) rows.records(out);
}

/** Where the first or last line of `b` ends (an LF, else a CR), or -1. */
function lineEnd(b: Buffer, which: 'first' | 'last'): number {
  const at = which === 'first' ? b.indexOf(LF) : b.lastIndexOf(LF);
  return at >= 0 ? at : which === 'first' ? b.indexOf(CR) : b.lastIndexOf(CR);
}
