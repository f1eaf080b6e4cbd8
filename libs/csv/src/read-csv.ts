import type { Readable } from 'node:stream';
import { DecodeStream, type Encoding } from './decode';
import type { Delimiter } from './sniff';
import { type CsvItem, CsvSplitter } from './splitter';

export interface CsvDialect {
  encoding: Encoding;
  delimiter: Delimiter;
}

/**
 * Streams a CSV file as batches of records with line numbers: decoded in the given encoding (a byte it can't
 * decode fails the stream with a DecodeError naming the line), then split by {@link CsvSplitter}. Batches keep
 * per-record overhead low on files of millions of rows.
 */
export async function* readCsvBatches(source: Readable, dialect: CsvDialect): AsyncGenerator<CsvItem[]> {
  const decoder = new DecodeStream(dialect.encoding);
  const splitter = new CsvSplitter(dialect.delimiter);
  source.on('error', (err) => decoder.destroy(err));
  source.pipe(decoder);
  try {
    for await (const text of decoder as AsyncIterable<string>) {
      const out: CsvItem[] = [];
      splitter.push(text, false, out);
      if (out.length) yield out;
    }
    const out: CsvItem[] = [];
    splitter.push('', true, out);
    if (out.length) yield out;
  } finally {
    // A failed decode or a reader that stops early must not leave the file open.
    source.destroy();
  }
}

/** {@link readCsvBatches}, one record at a time. */
export async function* readCsv(source: Readable, dialect: CsvDialect): AsyncGenerator<CsvItem> {
  for await (const batch of readCsvBatches(source, dialect)) yield* batch;
}
