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
import { readXlsxRecords, XlsxError } from './xlsx';

const XLSX_BATCH = 1_000;

/**
 * The uploaded file's CSV dialect, or null for a workbook: one sent as such, or one whose first bytes are a ZIP
 * archive's (an XLSX sent as text/csv with no .xlsx name; a ZIP is never CSV text).
 */
export async function dialectOf(ctx: JobContext<'customer-import'>): Promise<CsvDialect | null> {
  const sample = await uploadHead(ctx.files, ctx.params.inputFile);
  const kind = workbookKind(sample);
  // An .xls is refused as a workbook whatever it was sent as: this import reads XLSX too, so saying "send CSV" would
  // be half the answer.
  if (kind === 'xls' || (ctx.params.format === 'xlsx' && kind !== 'zip')) {
    throw new XlsxError(notAWorkbook(sample, kind));
  }
  return kind === 'zip' ? null : dialectOfSample(sample, ctx.params);
}

/** Why an upload is not a workbook this import reads: an .xls, or one sent as XLSX (by its type, name or format). */
function notAWorkbook(head: Buffer, kind: 'xls' | null): string {
  if (kind === 'xls') {
    return 'The upload is an Excel 97–2003 workbook (.xls), which is not read: save it as .xlsx or CSV.';
  }
  if (head.length === 0) return 'The upload is empty.';
  const start = JSON.stringify(head.subarray(0, 16).toString('latin1'));
  return (
    `The upload was sent as an XLSX workbook but is not one: a workbook starts with the bytes "PK", ` +
    `this file with ${start}. If it is CSV text, send it as text/csv (or with format=csv).`
  );
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
