import type { Readable } from 'node:stream';
import type { CsvReadParams } from '@customer-hub/contracts';
import type { FileStore } from '@customer-hub/files';
import { decodeSample, type Encoding, normaliseEncoding } from './decode';
import type { CsvDialect } from './read-csv';
import { assertTextual, type Delimiter, NotCsvError, sniffDelimiter, sniffEncoding } from './sniff';

const SAMPLE_BYTES = 64 * 1024;

/** The first `bytes` bytes of a stored upload (fewer if it is shorter). */
export async function uploadHead(files: FileStore, key: string, bytes = SAMPLE_BYTES): Promise<Buffer> {
  return head(await files.read(key), bytes);
}

async function head(stream: Readable, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    n += chunk.length;
    if (n >= bytes) break;
  }
  stream.destroy();
  return Buffer.concat(chunks).subarray(0, bytes);
}

/**
 * How to read a stored upload: what the request declared, else what its first 64 KB show. Fails with
 * {@link NotCsvError} for an empty or binary file.
 */
export async function resolveDialect(files: FileStore, params: CsvReadParams): Promise<CsvDialect> {
  return dialectOfSample(await uploadHead(files, params.inputFile), params);
}

/** {@link resolveDialect} from an upload's first 64 KB ({@link uploadHead}) already read. */
export function dialectOfSample(sample: Buffer, params: CsvReadParams): CsvDialect {
  const encoding: Encoding = params.encoding ? (normaliseEncoding(params.encoding) ?? 'utf-8') : sniffEncoding(sample);
  assertTextual(sample, encoding);
  let text: string;
  try {
    text = decodeSample(encoding, sample);
  } catch {
    throw new NotCsvError(`the file is not readable as ${encoding}`);
  }
  const delimiter: Delimiter = params.delimiter ?? sniffDelimiter(text);
  return { encoding, delimiter };
}

/**
 * Is the first record a header? As declared, else yes when its cells read like column names: the key
 * columns hold words such as "customer", "product", "code" and none of the digits the next record holds.
 */
export function looksLikeHeader(first: string[], second: string[] | undefined, keywords: RegExp): boolean {
  const keys = first.slice(0, 2);
  if (keys.length && keys.every((c) => keywords.test(c))) return true;
  const hasDigit = (s: string | undefined) => s !== undefined && /\d/.test(s);
  return keys.every((c) => !hasDigit(c) && /[a-z]/i.test(c)) && (second?.slice(0, 2).some(hasDigit) ?? false);
}
