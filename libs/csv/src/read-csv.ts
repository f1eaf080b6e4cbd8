import type { Readable } from 'node:stream';
import { DecodeStream, type Encoding } from './decode';
import type { Delimiter } from './sniff';
import { type CsvItem, type CsvLineError, CsvSplitter, isLineError, type SplitColumns } from './splitter';

export interface CsvDialect {
  encoding: Encoding;
  delimiter: Delimiter;
}

/**
 * Streams a CSV file as batches of records with line numbers: decoded in the given encoding (a byte it can't
 * decode fails the stream with a DecodeError naming the line), then split by {@link CsvSplitter}. Batches keep
 * per-record overhead low on files of millions of rows, and each holds at most BATCH_ITEMS (see splitter.ts).
 * With `offsets`, each record says where its text is (and what it is); `columns` may limit the columns split
 * (see {@link SplitColumns}); `maxRecordChars` bounds a record (see splitter.ts's MAX_RECORD_CHARS).
 */
export async function* readCsvBatches(
  source: Readable,
  dialect: CsvDialect,
  {
    offsets = false,
    columns,
    maxRecordChars,
  }: { offsets?: boolean; columns?: SplitColumns; maxRecordChars?: number } = {},
): AsyncGenerator<CsvItem[]> {
  const decoder = new DecodeStream(dialect.encoding);
  const splitter = new CsvSplitter(dialect.delimiter, offsets, columns, maxRecordChars);
  source.on('error', (err) => decoder.destroy(err));
  source.pipe(decoder);
  try {
    for await (const text of decoder as AsyncIterable<string>) yield* splitter.split(text, false);
    yield* splitter.split('', true);
  } finally {
    // A failed decode or a reader that stops early must not leave the file open.
    source.destroy();
  }
}

/** {@link readCsvBatches}, one record at a time. */
export async function* readCsv(source: Readable, dialect: CsvDialect): AsyncGenerator<CsvItem> {
  for await (const batch of readCsvBatches(source, dialect)) yield* batch;
}

/** Where a record's text is in a file's decoded text (a record's `start` and `end` when read with `offsets`). */
export interface CsvSpan {
  start: number;
  end: number;
}

/** A record read again at its span: its fields, or why it can't be split (broken quoting). */
export type SpanRecord<S extends CsvSpan> =
  | { span: S; fields: string[] }
  | ({ span: S } & Pick<CsvLineError, 'error' | 'column' | 'value'>);

/**
 * Reads again the records at `spans` (in file order, from a reading with `offsets` of the same file and
 * dialect) and splits only those: the rest of the file is decoded and passed over. Streams both: flat memory.
 * Yields each span with its record's fields (or its broken quoting, which a reading that split only some columns
 * passed over), in batches; stops reading after the last span.
 */
export async function* readCsvSpans<S extends CsvSpan>(
  source: Readable,
  dialect: CsvDialect,
  spans: AsyncIterable<S[]>,
): AsyncGenerator<SpanRecord<S>[]> {
  const decoder = new DecodeStream(dialect.encoding);
  source.on('error', (err) => decoder.destroy(err));
  source.pipe(decoder);
  const wanted = spans[Symbol.asyncIterator]();
  let batch: S[] = [];
  let at = 0;
  const next = async (): Promise<S | null> => {
    while (at === batch.length) {
      const n = await wanted.next();
      if (n.done) return null;
      batch = n.value;
      at = 0;
    }
    return batch[at++]!;
  };
  // `text` is the decoded text from `base` on that a span may still need.
  let text = '';
  let base = 0;
  try {
    let want = await next();
    for await (const chunk of decoder as AsyncIterable<string>) {
      if (!want) break;
      text += chunk;
      const out: SpanRecord<S>[] = [];
      while (want && want.end <= base + text.length) {
        if (want.start < base) throw new Error(`spans out of order at ${want.start}`);
        const record = splitOne(text.slice(want.start - base, want.end - base), dialect);
        if (isLineError(record)) {
          const { error, column, value } = record;
          out.push({ span: want, error, column, value });
        } else out.push({ span: want, fields: record.fields });
        want = await next();
      }
      const drop = Math.min(want ? want.start - base : text.length, text.length);
      text = text.slice(drop);
      base += drop;
      if (out.length) yield out;
    }
    if (want) throw new Error(`the file ends before ${want.start}`);
  } finally {
    source.destroy();
    await wanted.return?.(undefined);
  }
}

/** One record's text, split. */
function splitOne(text: string, dialect: CsvDialect): CsvItem {
  const out = [...new CsvSplitter(dialect.delimiter).split(text, true)].flat();
  if (out.length !== 1) throw new Error('a span is not one record');
  return out[0]!;
}
