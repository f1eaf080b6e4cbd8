import type { Readable } from 'node:stream';
import { type TextBlock, textBlocks } from './blocks';
import { DecodeStream, type Encoding } from './decode';
import type { Delimiter } from './sniff';
import { type CsvItem, CsvSplitter } from './splitter';

export interface CsvDialect {
  encoding: Encoding;
  delimiter: Delimiter;
}

/**
 * A file's text, decoded in the given encoding: a byte it can't decode fails the stream with a DecodeError naming
 * the line. The file is closed when reading ends, fails or stops early.
 */
async function* decodedText(source: Readable, encoding: Encoding): AsyncGenerator<string> {
  const decoder = new DecodeStream(encoding);
  source.on('error', (err) => decoder.destroy(err));
  source.pipe(decoder);
  try {
    yield* decoder as AsyncIterable<string>;
  } finally {
    source.destroy();
  }
}

/**
 * Streams a CSV file as batches of records with line numbers: decoded, then split by {@link CsvSplitter}.
 * Batches keep per-record overhead low on files of millions of rows.
 */
export async function* readCsvBatches(source: Readable, dialect: CsvDialect): AsyncGenerator<CsvItem[]> {
  const splitter = new CsvSplitter(dialect.delimiter);
  for await (const text of decodedText(source, dialect.encoding)) {
    const out: CsvItem[] = [];
    splitter.push(text, false, out);
    if (out.length) yield out;
  }
  const out: CsvItem[] = [];
  splitter.push('', true, out);
  if (out.length) yield out;
}

/** {@link readCsvBatches}, one record at a time. */
export async function* readCsv(source: Readable, dialect: CsvDialect): AsyncGenerator<CsvItem> {
  for await (const batch of readCsvBatches(source, dialect)) yield* batch;
}

/** A CSV file's decoded text in blocks of about `size` characters that end between records (see {@link textBlocks}). */
export const readCsvBlocks = (source: Readable, dialect: CsvDialect, size: number): AsyncGenerator<TextBlock> =>
  textBlocks(decodedText(source, dialect.encoding), size);
