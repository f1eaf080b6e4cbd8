import { type CsvItem, readCsvBatches, resolveDialect } from '@customer-hub/csv';
import type { JobContext } from '@customer-hub/queue';
import { readXlsxRecords } from './xlsx';

const XLSX_BATCH = 1_000;

/** The uploaded file's records with line numbers, streamed in batches: CSV, or the rows of one XLSX sheet. */
export async function* readRecordBatches(ctx: JobContext<'customer-import'>): AsyncGenerator<CsvItem[]> {
  const { files, params } = ctx;
  if (params.format === 'csv') {
    yield* readCsvBatches(await files.read(params.inputFile), await resolveDialect(files, params));
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
