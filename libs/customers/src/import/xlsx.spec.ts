import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { CsvItem } from '@customer-hub/csv';
import ExcelJS from 'exceljs';
import { readXlsxRecords } from './xlsx';

async function records(book: ExcelJS.Workbook, sheet?: string) {
  const bytes = Buffer.from(await book.xlsx.writeBuffer());
  const out: CsvItem[] = [];
  for await (const item of readXlsxRecords(async () => Readable.from([bytes]), sheet)) out.push(item);
  return out;
}

it('reads each kind of cell as the text a CSV would hold', async () => {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('kinds');
  sheet.addRow(['text', 'number', 'flag', 'formula', 'text formula', 'error', 'rich', 'escaped']);
  sheet.addRow([
    'Zürich 東京',
    1234.5,
    true,
    { formula: 'B2*2', result: 2469 },
    { formula: 'A2&"!"', result: 'Zürich 東京!' },
    { error: '#N/A' },
    { richText: [{ text: 'Bold', font: { bold: true } }, { text: ' and plain' }] },
    'a < b & "c" \'d\'',
  ]);
  const dates = sheet.addRow([
    new Date(Date.UTC(2026, 10, 22)),
    new Date(Date.UTC(2026, 10, 22, 9, 30)),
    16 / 24,
    false,
  ]);
  dates.getCell(3).numFmt = 'hh:mm';
  sheet.addRow([]);
  const gaps = sheet.getRow(5);
  gaps.getCell(2).value = 'second';
  gaps.getCell(5).value = 'fifth';
  gaps.getCell(7).numFmt = '0.00'; // styled, but empty: not a field
  expect(await records(book)).toEqual([
    { line: 1, fields: ['text', 'number', 'flag', 'formula', 'text formula', 'error', 'rich', 'escaped'] },
    {
      line: 2,
      fields: ['Zürich 東京', '1234.5', 'true', '2469', 'Zürich 東京!', '#N/A', 'Bold and plain', 'a < b & "c" \'d\''],
    },
    { line: 3, fields: ['2026-11-22', '2026-11-22 09:30', '16:00', 'false'] },
    { line: 5, fields: ['', 'second', '', '', 'fifth'] },
  ]);
});

it('reads a workbook saved by Excel: dates, date-times, formula booleans, blanks, a cell past the header', async () => {
  const file = path.join(__dirname, '../../fixtures/csvkit-test.xlsx');
  const out: CsvItem[] = [];
  for await (const item of readXlsxRecords(async () => fs.createReadStream(file))) out.push(item);
  expect(out).toEqual([
    { line: 1, fields: ['text', 'date', 'integer', 'boolean', 'float', 'datetime', 'empty_column'] },
    { line: 2, fields: ['Chicago Reader', '1971-01-01', '40', 'true', '1', '1971-01-01 04:14'] },
    {
      line: 3,
      fields: [
        'Chicago Sun-Times',
        '1948-01-01',
        '63',
        'true',
        '1.27',
        '1948-01-01 14:57:13',
        '',
        'Extra data beyond headers will be trimmed',
      ],
    },
    { line: 4, fields: ['Chicago Tribune', '1920-01-01', '164', 'false', '41800000.01', '1920-01-01'] },
    { line: 5, fields: ['This row has blanks'] },
    { line: 6, fields: ['Unicode! Σ'] },
  ]);
});

it('reads the sheet asked for, and says which sheets there are when it is not there', async () => {
  const book = new ExcelJS.Workbook();
  book.addWorksheet('first').addRow(['one']);
  book.addWorksheet('second').addRow(['two']);
  expect(await records(book)).toEqual([{ line: 1, fields: ['one'] }]);
  expect(await records(book, 'second')).toEqual([{ line: 1, fields: ['two'] }]);
  await expect(records(book, 'third')).rejects.toThrow(
    'The workbook has no sheet named "third"; it has "first", "second".',
  );
});

it('refuses what is not a workbook, saying so', async () => {
  const notZip = readXlsxRecords(async () => Readable.from([Buffer.from('customer_number,name\nA1,Acme\n')]));
  await expect(notZip.next()).rejects.toThrow(/^The upload can't be read as an XLSX workbook: /);
});

it("passes the machine's own errors on as they are, not as a bad upload", async () => {
  const gone = readXlsxRecords(async () => fs.createReadStream('/nonexistent/upload.xlsx'));
  const err = await gone.next().catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'ENOENT', syscall: 'open' });
  expect(err).not.toHaveProperty('badInput');
});
