import fs from 'node:fs';
import path from 'node:path';
import { createTestAccount, type TestAccount, waitFor, waitForJob } from '@customer-hub/testing';
import request from 'supertest';
import { bearer, createHarness, type Harness, uploadPurchaseHistory } from './support/harness';

const fixture = (name: string) => fs.readFileSync(path.join(__dirname, 'fixtures', name));
let h: Harness;
let acme: TestAccount;

beforeAll(async () => {
  h = await createHarness();
  acme = await createTestAccount(h.ds);
  await h.startWorkers();
});
afterAll(() => h.cleanup());

const upload = (body: Buffer | string, query = '', token = acme.tokens.admin) =>
  uploadPurchaseHistory(h, token, body, query);
/** Imports a product file and waits for its job. */
const importProducts = async (body: Buffer | string, query: string) => {
  const res = await request(h.app)
    .post(`/v1/imports/products${query}`)
    .set(bearer(acme.tokens.admin))
    .set('Content-Type', 'text/csv')
    .send(body);
  return waitForJob(h.ds, res.body.jobId);
};
const file = async (job: { id: string }, name: string) =>
  (await request(h.app).get(`/v1/jobs/${job.id}/files/${name}`).set(bearer(acme.tokens.admin))).text;
const codesOf = async (ref: string) =>
  (
    await request(h.app)
      .get(`/v1/purchase-histories/current/customers/${encodeURIComponent(ref)}`)
      .set(bearer(acme.tokens.admin))
  ).body;

describe('UCI Online Retail sample', () => {
  it('publishes the real file, reporting rows without a customer and counting unmatched ones', async () => {
    const imported = await importProducts(fixture('uci-products.csv'), '?maxErrors=100');
    expect({ state: imported.state, error: imported.error }).toEqual({ state: 'succeeded', error: null });
    expect(imported.counts).toMatchObject({ created: 1299 - 8, rejected: 8 });

    const job = await upload(fixture('uci-purchase-history.csv'), '?maxErrors=5000');
    expect({ state: job.state, error: job.error }).toEqual({ state: 'succeeded', error: undefined });
    expect(job.counts.rejected).toBe(1081);
    expect(job.counts.unmatchedProducts).toBe(0);
    expect(job.counts.unmatchedCustomers).toBe(job.counts.customers);
    const errors = await file(job, 'errors.csv');
    expect(errors.split('\n')[0]).toBe('line,column,value,message');
    expect(errors).toContain('1 (CustomerID),,CustomerID is empty');
    expect(await codesOf('17850.0')).toMatchObject({ productCodes: expect.arrayContaining(['85123A', '71053']) });
  });
});

describe('reading the file', () => {
  it.each([
    ['semicolons, CRLF, declared header', 'ref;code\r\nA1;P1\r\nA1;P2\r\n', '', ['P1', 'P2']],
    ['tabs without header', 'A1\tP3\nA1\tP1\n', '?header=false', ['P1', 'P3']],
    ['pipes, CR line ends', 'A1|P9\rA1|P8\r', '', ['P8', 'P9']],
    [
      'quoted fields with delimiters and quotes',
      'customer,product,note\nA1,"P,1","two\nlines"\nA1,"P ""2"""\n',
      '',
      ['P "2"', 'P,1'],
    ],
  ])('reads %s', async (_what, body, query, codes) => {
    const job = await upload(body, query);
    expect(job.state).toBe('succeeded');
    // Progress counts data rows, whether or not the file has a header.
    expect(job.progress).toEqual({ phase: 'processing', processed: 2, total: 2 });
    if (codes.length) expect((await codesOf('A1')).productCodes).toEqual(codes);
  });

  it('rejects a code with a line break in it as a control character, with its line', async () => {
    const job = await upload('customer,product\nA1,"P\n3"\nA2,P4\n', '?maxErrors=1');
    expect(job.state).toBe('succeeded');
    expect(await file(job, 'errors.csv')).toContain(
      '2,2 (product),"P\n3",product contains a control character (U+000A)',
    );
  });

  it('detects the header row, trims values, skips blank lines and collapses duplicates', async () => {
    const job = await upload('Customer Number,Product Code\n\n  B1 , X1 \nB1,X1\nB1,X2\n\n');
    expect(job.counts).toMatchObject({ rows: 2, duplicates: 1, rejected: 0, customers: 1, products: 2 });
    expect((await codesOf('B1')).productCodes).toEqual(['X1', 'X2']);
  });

  it('takes a first row of data for data', async () => {
    await upload('C100,P100\nC100,P101\n');
    expect((await codesOf('C100')).productCodes).toEqual(['P100', 'P101']);
  });

  it.each([
    [
      'UTF-16 with BOM',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('ref,code\nMÜLLER,P1\n', 'utf16le')]),
      '',
    ],
    ['UTF-8 with BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('ref,code\nMÜLLER,P1\n')]), ''],
    ['Windows-1252, detected', Buffer.from('ref,code\nM\xdcLLER,P1\n', 'latin1'), ''],
    ['Windows-1252, declared', Buffer.from('ref,code\nM\xdcLLER,P1\n', 'latin1'), '?encoding=windows-1252'],
  ])('reads %s', async (_what, body, query) => {
    const job = await upload(body, query);
    expect(job.state).toBe('succeeded');
    expect((await codesOf('MÜLLER')).productCodes).toEqual(['P1']);
  });

  it('fails, naming the line, when bytes are not valid in the declared encoding', async () => {
    const job = await upload(Buffer.from('ref,code\nA,1\nM\xdcLLER,P1\n', 'latin1'), '?encoding=utf-8');
    expect(job.state).toBe('failed');
    expect(job.error.message).toMatch(/can't be read as utf-8: line 3: bytes 0xDC/);
  });
});

describe('bad input', () => {
  it('reports a product row with broken quoting by line, column and cell, and reads on from the next line', async () => {
    const job = await importProducts('code,name,colour\nBQ1,"Mug,red\nBQ2,Plate,blue\n', '?maxErrors=1');
    expect(job.counts).toMatchObject({ created: 1, rejected: 1 });
    // Both data rows were read, the rejected one too; the header is not one of them.
    expect({ processed: job.progressProcessed, total: job.progressTotal }).toEqual({ processed: 2, total: 2 });
    expect(await file(job, 'errors.csv')).toBe(
      'line,column,value,message\n2,2 (name),"""Mug,red",broken quoting: a quoted field is never closed\n',
    );
  });

  const long = 'x'.repeat(65);
  it('reports every bad row with line, column, value and reason, and publishes nothing over maxErrors', async () => {
    const before = await codesOf('C100');
    const job = await upload(`ref,code\n,P1\nC1,\n${long},P2\nC2,P\u0007\nC3,"unclosed\n`);
    expect(job.state).toBe('failed');
    expect(job.error.message).toMatch(/^\d+ row\(s\) were rejected, more than maxErrors=0; nothing was published/);
    const report = await file(job, 'errors.csv');
    expect(report).toContain('2,1 (ref),,ref is empty');
    expect(report).toContain('3,2 (code),,code is empty');
    expect(report).toContain(`4,1 (ref),${long},ref is longer than 64 characters (65)`);
    expect(report).toContain('5,2 (code),P\u0007,code contains a control character (U+0007)');
    expect(report).toContain('6,2 (code),"""unclosed",broken quoting: a quoted field is never closed\n');
    expect(await codesOf('C100')).toEqual(before);
  });

  it('publishes the good rows when the bad ones are within maxErrors', async () => {
    const job = await upload('ref,code\nD1,P1\n,P2\nD1,P3\n', '?maxErrors=1');
    expect(job.state).toBe('succeeded');
    expect(job.counts).toMatchObject({ rows: 2, rejected: 1 });
  });

  it.each([
    ['an empty file', '', /empty|no file/],
    ['a header only', 'customer,product\n', /header row but no data rows/],
    [
      'a workbook',
      Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x08, 0x00]),
      /the file is a spreadsheet workbook \(XLSX\) or another ZIP archive, not CSV text; export it .* as CSV/,
    ],
    ['a binary file', Buffer.from([0x01, 0x02, 0x00, 0x00, 0x08, 0x00]), /not a CSV text file: it holds binary data/],
  ])('fails at once on %s, with a clear message', async (_what, body, message) => {
    const res = await request(h.app)
      .post('/v1/purchase-histories')
      .set(bearer(acme.tokens.admin))
      .set('Content-Type', 'text/csv')
      .send(Buffer.from(body));
    if (res.status === 400) {
      expect(res.body.error.message).toMatch(message);
      return;
    }
    const run = await waitForJob(h.ds, res.body.jobId);
    expect(run.state).toBe('failed');
    expect(run.attempts).toBe(1);
    expect(run.error?.message).toMatch(message);
  });

  it('refuses a body that is not a CSV upload', async () => {
    const res = await request(h.app).post('/v1/purchase-histories').set(bearer(acme.tokens.admin)).send({ a: 1 });
    expect(res.status).toBe(415);
  });
});

describe('multipart uploads', () => {
  it('takes the file from a multipart form, keeping its name for listings', async () => {
    const res = await request(h.app)
      .post('/v1/purchase-histories')
      .set(bearer(acme.tokens.admin))
      .field('note', 'ignored')
      .attach('file', Buffer.from('ref,code\nM1,P1\n'), 'november.csv');
    expect(res.status).toBe(202);
    expect((await waitForJob(h.ds, res.body.jobId)).state).toBe('succeeded');
    const versions = (await request(h.app).get('/v1/purchase-histories').set(bearer(acme.tokens.admin))).body.items;
    expect(versions[0]).toMatchObject({ current: true, fileName: 'november.csv', rows: 1 });
  });

  it('refuses a form without a file part', async () => {
    const res = await request(h.app)
      .post('/v1/purchase-histories')
      .set(bearer(acme.tokens.admin))
      .field('note', 'no file');
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({ code: 'empty_upload', message: 'The multipart body has no file part.' });
  });
});

describe('cancel', () => {
  it('stops a running upload at a checkpoint: nothing published, nothing left behind', async () => {
    const before = await codesOf('C100');
    let body = 'customer,product\n';
    for (let i = 0; i < 1_500_000; i++) body += `K${i % 5000},P${i % 997}\n`;
    const res = await request(h.app)
      .post('/v1/purchase-histories')
      .set(bearer(acme.tokens.admin))
      .set('Content-Type', 'text/csv')
      .send(body);
    // Cancel once the load is under way (it has most of 1.5M rows still to go).
    await waitFor('the load to start', async () => {
      const job = (await request(h.app).get(`/v1/jobs/${res.body.jobId}`).set(bearer(acme.tokens.admin))).body;
      return job.progress.processed > 0 ? true : undefined;
    });
    const cancel = await request(h.app).post(`/v1/jobs/${res.body.jobId}/cancel`).set(bearer(acme.tokens.admin));
    expect(cancel.status).toBe(202);
    const run = await waitForJob(h.ds, res.body.jobId);
    expect(run.state).toBe('cancelled');
    expect(await codesOf('C100')).toEqual(before);
    const leftovers = await h.ds.query(
      `SELECT relname FROM pg_class c JOIN purchase_history_versions v ON c.relname = 'purchase_history_rows_v' || v.id
       WHERE v.job_run_id = $1`,
      [run.id],
    );
    expect(leftovers).toEqual([]);
  });
});
