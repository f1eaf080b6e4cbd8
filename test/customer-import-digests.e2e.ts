import { createTestAccount, type TestAccount, waitForJob } from '@customer-hub/testing';
import ExcelJS from 'exceljs';
import request from 'supertest';
import { importCustomers, storedCustomer } from './support/customers';
import { bearer, createHarness, type Harness } from './support/harness';

/**
 * The re-import shortcut: a row the last import recorded for its customer, with the customer unchanged since,
 * is unchanged without being parsed. Each case here fails if the shortcut trusts a digest it shouldn't.
 */

let h: Harness;
let acme: TestAccount;

beforeAll(async () => {
  h = await createHarness();
  acme = await createTestAccount(h.ds);
  await h.startWorkers();
  await h.ds.query(`INSERT INTO customer_groups (account_id, code, name) VALUES ($1, 'TRADE', 'Trade')`, [
    acme.account.id,
  ]);
});
afterAll(() => h.cleanup());

const importFile = (body: string | Buffer, query = '', contentType?: string) =>
  importCustomers(h, acme.tokens.admin, body, query, contentType);

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

async function workbook(rows: string[][]): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('customers');
  for (const row of rows) sheet.addRow(row);
  return Buffer.from(await book.xlsx.writeBuffer());
}

const customer = (number: string) => storedCustomer(h, acme.account.id, number);

/** The digests recorded for the account's customers whose numbers start with `prefix`, still current or not. */
const digests = async (prefix: string) =>
  (
    await h.ds.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE d.row_xmin = c.xmin)::int AS current
       FROM customer_import_digests d JOIN customers c ON c.id = d.customer_id
       WHERE c.account_id = $1 AND c.customer_number LIKE $2 || '%'`,
      [acme.account.id, prefix],
    )
  )[0] as { n: number; current: number };

describe('customer re-import shortcut', () => {
  it('records each row it writes; a customer changed since is compared in full and set back to the file', async () => {
    const file = 'customer_number,name,phone,customer_group\nA1,Alpha,0113 1,TRADE\nA2,Beta,0113 2,TRADE\n';
    expect((await importFile(file)).job.counts).toMatchObject({ created: 2 });
    expect(await digests('A')).toEqual({ n: 2, current: 2 });
    expect((await importFile(file)).job.counts).toMatchObject({ created: 0, updated: 0, unchanged: 2 });

    const patched = await request(h.app)
      .patch('/v1/customers/A2')
      .set(bearer(acme.tokens.admin))
      .send({ phone: '0999 9' });
    expect(patched.status).toBe(200);
    expect(await digests('A')).toEqual({ n: 2, current: 1 });
    expect((await importFile(file)).job.counts).toMatchObject({ updated: 1, unchanged: 1 });
    expect((await customer('A2')).phone).toBe('0113 2');
    expect(await digests('A')).toEqual({ n: 2, current: 2 });
  });

  it('counts a digest only under the header and options it was made with', async () => {
    expect((await importFile('customer_number,name,email\nB1,Bea,bea@example.com\n')).job.counts).toMatchObject({
      created: 1,
    });
    const blankEmail = 'customer_number,name,email\nB1,Bea,\n';
    // blank=ignore keeps the stored email, so the row is unchanged (and its digest is recorded as such) ...
    expect((await importFile(blankEmail)).job.counts).toMatchObject({ unchanged: 1 });
    expect((await importFile(blankEmail)).job.counts).toMatchObject({ unchanged: 1 });
    expect((await customer('B1')).email).toBe('bea@example.com');
    // ... while blank=clear makes the same cells mean something else.
    expect((await importFile(blankEmail, '?blank=clear')).job.counts).toMatchObject({ updated: 1 });
    expect((await customer('B1')).email).toBeNull();
  });

  it('records rows that changed nothing, at the commit (not on validateOnly)', async () => {
    const created = await request(h.app)
      .post('/v1/customers')
      .set(bearer(acme.tokens.admin))
      .send({ number: 'D1', name: 'Dora' });
    expect(created.status).toBe(201);
    const file = 'customer_number,name\nD1,Dora\n';
    const checked = await importFile(file, '?validateOnly=true');
    expect(checked.job.counts).toMatchObject({ unchanged: 1 });
    expect(await digests('D')).toEqual({ n: 0, current: 0 });
    const commit = await request(h.app).post(`/v1/jobs/${checked.job.id}/commit`).set(bearer(acme.tokens.admin));
    expect(commit.status).toBe(202);
    expect((await waitForJob(h.ds, checked.job.id, ['succeeded', 'failed'])).state).toBe('succeeded');
    expect(await digests('D')).toEqual({ n: 1, current: 1 });
    expect((await importFile(file)).job.counts).toMatchObject({ unchanged: 1 });
  });

  it('still rejects a row whose group code no longer names the customer’s group', async () => {
    const file = 'customer_number,name,customer_group\nG1,Gina,TRADE\n';
    expect((await importFile(file)).job.counts).toMatchObject({ created: 1 });
    await h.ds.query(`UPDATE customer_groups SET code = 'TRADE-OLD' WHERE account_id = $1 AND code = 'TRADE'`, [
      acme.account.id,
    ]);
    try {
      const again = await importFile(file);
      // Rejected (over maxErrors=0, so the job fails), where the shortcut would have called it unchanged.
      expect({ state: again.job.state, rejected: again.job.counts.rejected }).toEqual({ state: 'failed', rejected: 1 });
      expect(again.errors).toContain('no customer group has the code TRADE');
    } finally {
      await h.ds.query(`UPDATE customer_groups SET code = 'TRADE' WHERE account_id = $1 AND code = 'TRADE-OLD'`, [
        acme.account.id,
      ]);
    }
  });

  it('rejects a cell holding the character that joins a workbook row’s cells, in its own column', async () => {
    const res = await importFile('customer_number,name,email\nE1,Eve\x1fX,eve@example.com\n');
    expect({ state: res.job.state, rejected: res.job.counts.rejected }).toEqual({ state: 'failed', rejected: 1 });
    expect(await customer('E1')).toBeUndefined();
    expect(res.errors).toContain('2 (name)');
    expect(res.errors).toContain('contains a control character');
  });

  it('reads a CSV again in pass two: records over several lines and a broken one keep their line numbers', async () => {
    const rows = (note: string, email: string) =>
      'customer_number,name,email,custom:note\n' +
      `M1,Multi,m1@example.com,"first\nsecond"\n` +
      'M2,Broken "quote,m2@example.com,x\n' +
      `M3,Third,${email},"${note}"\n` +
      'M4,Fourth,m4@example.com,plain\n' +
      // Broken past the number's column: pass one passes over it, pass two finds it broken.
      'M5,Bad "x" name,m5@example.com,y\n';
    const first = await importFile(rows('a\nb', 'm3@example.com'), '?maxErrors=2');
    expect(first.job.counts).toMatchObject({ created: 3, rejected: 2 });
    expect(first.errors).toMatch(/\n4,2 \(name\),"Broken ""quote",broken quoting: a quote inside an unquoted field/);
    // Now in two passes: M3 changed, and its new email is bad, on line 5 (M1's record takes lines 2 and 3).
    const again = await importFile(rows('c\nd', 'not-an-email'), '?maxErrors=3');
    expect(again.job.counts).toMatchObject({ updated: 0, unchanged: 2, rejected: 3 });
    expect(again.errors).toMatch(/\n5,3 \(email\),not-an-email,/);
    expect(again.errors).toMatch(/\n8,2 \(name\),"Bad ""x"" name",broken quoting: a quote inside an unquoted field/);
    const fixed = await importFile(rows('c\nd', 'm3@example.org'), '?maxErrors=2');
    expect(fixed.job.counts).toMatchObject({ updated: 1, unchanged: 2, rejected: 2 });
    const m3 = await customer('M3');
    expect({ email: m3.email, note: m3.custom_fields.note }).toEqual({ email: 'm3@example.org', note: 'c\nd' });
  });

  it('re-imports a workbook in two passes, its changed rows read back from the first pass', async () => {
    const header = ['customer_number', 'name', 'phone', 'customer_group'];
    const book = (phone: string) =>
      workbook([
        header,
        ['W1', 'Wren', '0113 1', 'TRADE'],
        ['W2', 'Wolf', phone, 'TRADE'],
        ['W3', 'Wasp', '0113 3', ''],
      ]);
    expect((await importFile(await book('0113 2'), '', XLSX)).job.counts).toMatchObject({ created: 3 });
    const again = await importFile(await book('0113 22'), '', XLSX);
    expect(again.job.counts).toMatchObject({ created: 0, updated: 1, unchanged: 2 });
    expect((await customer('W2')).phone).toBe('0113 22');
    expect(await digests('W')).toEqual({ n: 3, current: 3 });
  });
});
