import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { XlsxWriter } from './xlsx-writer';

async function collect(out: PassThrough): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of out) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

it('writes a workbook that a spreadsheet reads back cell for cell', async () => {
  const out = new PassThrough();
  const bytes = collect(out);
  const book = new XlsxWriter(out, 'customers & co');
  const wide = Array.from({ length: 30 }, (_, i) => `col ${i}`);
  book.add(wide);
  book.add(['a < b & "c"', '  padded  ', 'two\nlines', 'Zürich 東京 😀', null, '=1+1', 'bell\u0007']);
  book.add([null, 'second column only']);
  await book.end();

  const read = new ExcelJS.Workbook();
  await read.xlsx.load((await bytes) as unknown as ArrayBuffer);
  const sheet = read.worksheets[0]!;
  expect(sheet.name).toBe('customers & co');
  expect((sheet.getRow(1).values as unknown[]).slice(1)).toEqual(wide);
  expect(sheet.getCell('AD1').value).toBe('col 29');
  expect((sheet.getRow(2).values as unknown[]).slice(1)).toEqual([
    'a < b & "c"',
    '  padded  ',
    'two\nlines',
    'Zürich 東京 😀',
    undefined,
    '=1+1', // text, not a formula
    'bell_x0007_', // how XLSX holds a character XML cannot (Excel shows it as the character)
  ]);
  expect(sheet.getCell('F2').type).toBe(ExcelJS.ValueType.String);
  expect(sheet.getCell('A3').value).toBeNull();
  expect(sheet.getCell('B3').value).toBe('second column only');
});

it('waits for the output instead of buffering the sheet: memory stays bounded', async () => {
  const out = new PassThrough({ highWaterMark: 64 * 1024 });
  const book = new XlsxWriter(out, 'big');
  // Text that does not compress away, so the zip's output fills up.
  const row = () => Array.from({ length: 20 }, () => randomBytes(24).toString('base64'));
  let waited = false;
  for (let batch = 0; batch < 50 && !waited; batch++) {
    for (let i = 0; i < 1_000; i++) book.add(row());
    const drained = book.drained();
    waited = await Promise.race([drained.then(() => false), new Promise<boolean>((r) => setTimeout(r, 200, true))]);
  }
  // Nobody reads the output: the writer stopped taking rows long before 50,000 of them.
  expect(waited).toBe(true);
  const bytes = collect(out);
  await book.drained();
  await book.end();
  expect((await bytes).subarray(0, 2).toString()).toBe('PK');
});
