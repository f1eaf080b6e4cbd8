import { type CsvItem, readCsv, resolveDialect } from '@customer-hub/csv';
import type { JobContext } from '@customer-hub/queue';
import { readXlsxRecords } from './xlsx';

/** The uploaded file's records with line numbers, streamed: CSV, or the rows of one XLSX sheet. */
export async function* readRecords(ctx: JobContext<'customer-import'>): AsyncGenerator<CsvItem> {
  const { files, params } = ctx;
  if (params.format === 'xlsx') {
    yield* readXlsxRecords(await files.read(params.inputFile), params.sheet);
    return;
  }
  yield* readCsv(await files.read(params.inputFile), await resolveDialect(files, params));
}
