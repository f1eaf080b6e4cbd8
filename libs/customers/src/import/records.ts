import {
  type CsvDialect,
  type CsvItem,
  type CsvSpan,
  dialectOfSample,
  readCsvBatches,
  readCsvSpans,
  type SpanRecord,
  type SplitColumns,
  uploadHead,
  workbookKind,
} from '@customer-hub/csv';
import type { JobContext } from '@customer-hub/queue';
import { readXlsxRecords } from './xlsx';

const XLSX_BATCH = 1_000;

/**
 * The uploaded file's CSV dialect, or null for a workbook: one sent as such, or one whose first bytes are a ZIP
 * archive's (an XLSX sent as text/csv with no .xlsx name; a ZIP is never CSV text).
 */
export async function dialectOf(ctx: JobContext<'customer-import'>): Promise<CsvDialect | null> {
  if (ctx.params.format === 'xlsx') return null;
  const sample = await uploadHead(ctx.files, ctx.params.inputFile);
  return workbookKind(sample) === 'zip' ? null : dialectOfSample(sample, ctx.params);
}

/**
 * The uploaded file's records with line numbers, streamed in batches: CSV in its `dialect` (with `offsets`,
 * each record's span and text: see {@link readCsvRecordsAt}; `columns` may limit what is split), or the rows of
 * one XLSX sheet.
 */
export async function* readRecordBatches(
  ctx: JobContext<'customer-import'>,
  dialect: CsvDialect | null,
  o: { offsets?: boolean; columns?: SplitColumns } = {},
): AsyncGenerator<CsvItem[]> {
  const { files, params } = ctx;
  if (dialect) {
    yield* readCsvBatches(await files.read(params.inputFile), dialect, o);
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
  dialect: CsvDialect,
  spans: AsyncIterable<S[]>,
): AsyncGenerator<SpanRecord<S>[]> {
  yield* readCsvSpans(await ctx.files.read(ctx.params.inputFile), dialect, spans);
}
