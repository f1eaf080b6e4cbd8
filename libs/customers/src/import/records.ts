import { type CsvItem, type CsvSpan, readCsvBatches, readCsvSpans, resolveDialect } from '@customer-hub/csv';
import type { JobContext } from '@customer-hub/queue';
import { readXlsxRecords } from './xlsx';

const XLSX_BATCH = 1_000;

/**
 * The uploaded file's records with line numbers, streamed in batches: CSV (with `offsets`, each record's span:
 * see {@link readCsvRecordsAt}), or the rows of one XLSX sheet.
 */
export async function* readRecordBatches(
  ctx: JobContext<'customer-import'>,
  { offsets = false } = {},
): AsyncGenerator<CsvItem[]> {
  const { files, params } = ctx;
  if (params.format === 'csv') {
    yield* readCsvBatches(await files.read(params.inputFile), await resolveDialect(files, params), { offsets });
    return;
  }
  let batch: CsvItem[] = [];
  for await (const item of readXlsxRecords(() => files.read(params.inputFile), params.sheet)) {
    batch.push(item);
    if (batch.length === XLSX_BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

/** The uploaded CSV's records at `spans` (from {@link readRecordBatches} with `offsets`), read again. */
export async function* readCsvRecordsAt<S extends CsvSpan>(
  ctx: JobContext<'customer-import'>,
  spans: AsyncIterable<S[]>,
): AsyncGenerator<{ span: S; fields: string[] }[]> {
  const { files, params } = ctx;
  yield* readCsvSpans(await files.read(params.inputFile), await resolveDialect(files, params), spans);
}
