import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { XLSX_LIMITS } from '@customer-hub/customers';
import { createTestAccount, type TestAccount } from '@customer-hub/testing';
import ExcelJS from 'exceljs';
import request from 'supertest';
import { importCustomers, storedCustomer } from './support/customers';
import { bearer, createHarness, type Harness } from './support/harness';

let h: Harness;
let acme: TestAccount;
const fixture = (name: string) => fs.readFileSync(path.join(__dirname, 'fixtures', name));
const dosFile = () => fs.readFileSync(path.join(__dirname, '../libs/csv/fixtures/classicmodels-sales-cp437.csv'));
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

beforeAll(async () => {
  h = await createHarness();
  acme = await createTestAccount(h.ds);
  await h.startWorkers();
  // Magento's default customer group has id 1.
  await h.ds.query(`INSERT INTO customer_groups (account_id, code, name) VALUES ($1, '1', 'General')`, [
    acme.account.id,
  ]);
});
afterAll(() => h.cleanup());

const importFile = (body: Buffer | string, query = '', type = 'text/csv') =>
  importCustomers(h, acme.tokens.admin, body, query, type);
const customer = (number: string) => storedCustomer(h, acme.account.id, number);

describe('real customer files', () => {
  it('imports Magento 2 customers keyed by email, warning about the columns it does not use', async () => {
    const { job, errors } = await importFile(fixture('magento-customers_to_import.csv'), '?keyColumn=email');
    expect(job.state).toBe('succeeded');
    expect(job.counts).toMatchObject({ created: 6, rejected: 0, warnings: 20 });
    expect(errors).toContain('1,16 (password_hash),password_hash,"warning: unknown column, ignored"');
    expect(await customer('AnthonyANealy@magento.com')).toMatchObject({
      name: 'Anthony Nealy',
      email: 'AnthonyANealy@magento.com',
    });
  });

  it('says what to do with a file that has no customer number column', async () => {
    const { job } = await importFile(fixture('magento-customers_to_import.csv'));
    expect(job.state).toBe('failed');
    expect(job.error.message).toMatch(
      /^The header row \(line 1\) is not usable: no customer number column .*Name the column that identifies customers with keyColumn=<header>\.$/,
    );
  });

  it('rejects the address-only continuation rows of a Magento composite file, by line', async () => {
    const { job, errors } = await importFile(fixture('magento-customer_composite_update.csv'), '?keyColumn=email');
    expect(job.state).toBe('failed');
    expect(job.counts).toMatchObject({ rejected: 1 });
    expect(errors).toContain('3,1 (email),,customer number is empty');
  });

  it('reads the CP437 ClassicModels file as declared, reporting repeated customers', async () => {
    const { job, errors } = await importFile(dosFile(), '?encoding=cp437&keyColumn=CUSTOMERNAME&maxErrors=5000');
    expect(job.state).toBe('succeeded');
    expect(job.counts).toMatchObject({ created: 92, rejected: 2823 - 92 });
    expect(errors).toContain('already appears on line');
    const volvo = await customer('Volvo Model Replicas, Co');
    expect(volvo).toMatchObject({
      name: 'Volvo Model Replicas, Co',
      billing_address: { line1: 'Berguvsvägen  8', city: 'Lule', postcode: 'S-958 22', country: 'Sweden' },
    });
    expect((await customer('Euro Shopping Channel')).billing_address.line1).toBe('C/ Moralzarzal, 86');
  });

  it('refuses the CP437 file read as UTF-8 with a clear error, importing nothing', async () => {
    const { job } = await importFile(dosFile(), '?encoding=utf-8&keyColumn=CUSTOMERNAME&maxErrors=5000');
    expect(job.state).toBe('failed');
    expect(job.error.message).toMatch(/^The upload can't be read as utf-8: line \d+: bytes 0x/);
  });

  it('imports the first sheet of an XLSX workbook, or the one named', async () => {
    const book = new ExcelJS.Workbook();
    book.addWorksheet('notes').addRows([['not customers']]);
    const customers = book.addWorksheet('customers');
    customers.addRows([
      ['customer_number', 'name', 'cutoff_time', 'portal_access'],
      ['X1', 'Xray Ltd', '15:30', true],
      [42, 'Numbered', null, false],
      ['X2', 'Typed Time Ltd', 16 / 24, true],
    ]);
    // A time typed into a spreadsheet is a fraction of a day shown with a time format.
    customers.getCell('C4').numFmt = 'hh:mm';
    const bytes = Buffer.from(await book.xlsx.writeBuffer());
    const first = await importFile(bytes, '', XLSX);
    expect(first.job.state).toBe('failed');
    expect(first.job.error.message).toContain('no customer number column');
    const named = await importFile(bytes, '?sheet=customers', XLSX);
    expect(named.job.counts).toMatchObject({ created: 3, rejected: 0 });
    expect(await customer('X1')).toMatchObject({ name: 'Xray Ltd', cutoff_time: '15:30:00', portal_access: true });
    expect(await customer('42')).toMatchObject({ name: 'Numbered' });
    expect(await customer('X2')).toMatchObject({ cutoff_time: '16:00:00' });
    const missing = await importFile(bytes, '?sheet=nope', XLSX);
    expect(missing.job.error.message).toBe('The workbook has no sheet named "nope"; it has "notes", "customers".');
    // Sent as text/csv with no .xlsx name (curl --data-binary, a form's generic type): still read as the workbook.
    const untyped = await importFile(bytes, '?sheet=customers&validateOnly=true');
    expect(untyped.job.state).toBe('awaiting_commit');
    expect(untyped.job.counts).toMatchObject({ unchanged: 3, rejected: 0 });
  });

  it("names a workbook's columns by their letters in the error report, as the spreadsheet shows them", async () => {
    const book = new ExcelJS.Workbook();
    book.addWorksheet('customers').addRows([
      ['customer_number', 'name', 'email', 'colour', 'customer_group'],
      ['L1', 'Lettered', 'not-an-email', 'red', ''],
      ['L2', 'Grouped', '', '', 'NOPE'],
      ['L1', 'Again', '', '', ''],
    ]);
    const { job, errors } = await importFile(Buffer.from(await book.xlsx.writeBuffer()), '?maxErrors=5', XLSX);
    expect(job.counts).toMatchObject({ rejected: 3, warnings: 1 });
    expect(errors.trim().split('\n')).toEqual([
      'line,column,value,message',
      '1,D (colour),colour,"warning: unknown column, ignored"',
      '2,C (email),not-an-email,email is not an email address',
      '3,E (customer_group),NOPE,no customer group has the code NOPE',
      '4,A (customer_number),L1,customer number L1 already appears on line 2; give each customer once',
    ]);
  });

  it('refuses a query parameter it does not know, before it reads the file or changes a customer', async () => {
    for (const [query, key] of [
      ['?validateonly=true', 'validateonly'],
      ['?mode=create&blanks=clear', 'blanks'],
    ]) {
      const res = await request(h.app)
        .post(`/v1/imports/customers${query}`)
        .set(bearer(acme.tokens.admin))
        .set('Content-Type', 'text/csv')
        .send('customer_number,name\nQ1,Quay\n');
      expect([res.status, res.body.error.details]).toEqual([
        400,
        [{ field: 'query', message: `Unrecognized key: "${key}"` }],
      ]);
    }
    expect(await customer('Q1')).toBeUndefined();
    // Its own parameters and the upload ones are known.
    const { job } = await importFile(
      'customer_number,name\nQ1,Quay\n',
      '?mode=create&blank=clear&maxErrors=1&validateOnly=true',
    );
    expect(job.state).toBe('awaiting_commit');
  });

  it('refuses an Excel 97–2003 workbook (.xls) with what to do, not as binary noise', async () => {
    const xls = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]);
    const { job } = await importFile(xls);
    expect(job.state).toBe('failed');
    expect(job.error.message).toBe(
      'The upload is an Excel 97–2003 workbook (.xls), which is not read: save it as .xlsx or CSV.',
    );
  });

  it('says what a file sent as a workbook is when it is not one, and what to do', async () => {
    const csvAsXlsx = await importFile('customer_number,name\nW1,Acme\n', '', XLSX);
    expect(csvAsXlsx.job.state).toBe('failed');
    expect(csvAsXlsx.job.error.message).toBe(
      'The upload was sent as an XLSX workbook but is not one: a workbook starts with the bytes "PK", this file ' +
        'with "customer_number,". If it is CSV text, send it as text/csv (or with format=csv).',
    );
    const xls = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]);
    const xlsAsXlsx = await importFile(xls, '?format=xlsx');
    expect(xlsAsXlsx.job.error.message).toBe(
      'The upload is an Excel 97–2003 workbook (.xls), which is not read: save it as .xlsx or CSV.',
    );
    expect(await customer('W1')).toBeUndefined();
  });

  it('stops reading a workbook that unpacks past the limits', async () => {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('customers');
    sheet.addRow(['customer_number', 'name']);
    for (let i = 0; i < 200; i++) sheet.addRow([`Z${i}`, `A long company name number ${i} ${'x'.repeat(50)}`]);
    const bytes = Buffer.from(await book.xlsx.writeBuffer());
    // Its sheet comes before its shared strings, as Excel writes them; reading it must not copy the sheet aside.
    const parts = [...bytes.toString('latin1').matchAll(/xl\/(worksheets\/sheet1|sharedStrings)\.xml/g)].map(
      (m) => m[1],
    );
    expect(parts[0]).toBe('worksheets/sheet1');
    const saved = { ...XLSX_LIMITS };
    // (exceljs's own reader copied such a sheet to a temp file named after the process, left behind on error;
    // ours keeps only the shared strings, in a file unlinked as soon as it is open.)
    const copies = () =>
      fs.readdirSync(os.tmpdir()).filter((f) => new RegExp(`^(tmp|hub-xlsx-strings)-${process.pid}-`).test(f));
    const before = copies();
    try {
      XLSX_LIMITS.maxSharedStringsBytes = 4_000;
      const strings = await importFile(bytes, '', XLSX);
      expect(strings.job.error.message).toBe("The workbook's shared strings come to more than 4000 bytes.");
      Object.assign(XLSX_LIMITS, saved, { maxUnpackedBytes: 20_000 });
      const sheetData = await importFile(bytes, '', XLSX);
      expect(sheetData.job.error.message).toBe('The workbook unpacks to more than 20000 bytes of sheet data.');
      expect(copies()).toEqual(before);
    } finally {
      Object.assign(XLSX_LIMITS, saved);
    }
    expect(await customer('Z1')).toBeUndefined();
  });
});
