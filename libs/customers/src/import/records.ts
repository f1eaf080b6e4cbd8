import { readCsvBlocks, resolveDialect } from '@customer-hub/csv';
import type { JobContext } from '@customer-hub/queue';
import type { ItemStager, StagedBatch } from './item-stager';
import { stageBlocks } from './stage-blocks';
import { readXlsxRecords } from './xlsx';

const XLSX_BATCH = 1_000;
/** Characters of CSV text per block a staging thread takes: about 5,000 rows of a wide customer file. */
const CSV_BLOCK = 1 << 20;

/**
 * The uploaded file's rows, staged by `items` and streamed in batches: a CSV file in blocks of its text (in
 * `CUSTOMER_IMPORT_THREADS` staging threads), or the rows of one XLSX sheet.
 */
export async function* stagedBatches(
  ctx: JobContext<'customer-import'>,
  items: ItemStager,
): AsyncGenerator<StagedBatch> {
  const { files, params, config } = ctx;
  if (params.format === 'csv') {
    const dialect = await resolveDialect(files, params);
    const blocks = readCsvBlocks(await files.read(params.inputFile), dialect, CSV_BLOCK);
    yield* stageBlocks(blocks, items, { delimiter: dialect.delimiter, threads: config.customers.importThreads });
    return;
  }
  let batch = [];
  for await (const item of readXlsxRecords(() => files.read(params.inputFile), params.sheet)) {
    batch.push(item);
    if (batch.length === XLSX_BATCH) {
      yield items.stage(batch);
      batch = [];
    }
  }
  if (batch.length) yield items.stage(batch);
}
