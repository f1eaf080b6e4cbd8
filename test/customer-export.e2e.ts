import { createTestAccount, type TestAccount, waitFor, waitForJob } from '@customer-hub/testing';
import ExcelJS from 'exceljs';
import request from 'supertest';
import { importCustomers } from './support/customers';
import { bearer, createHarness, type Harness } from './support/harness';

let h: Harness;
let acme: TestAccount;
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const binary = (res: request.Response, done: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
};

/** Runs an export as the account's staff (acme's unless told) and returns its job and file. */
async function exportCustomers(format: 'csv' | 'xlsx', filters: object = {}, account: TestAccount = acme) {
  const res = await request(h.app)
    .post('/v1/exports')
    .set(bearer(account.tokens.staff))
    .send({ kind: 'customers', format, filters });
  expect(res.status).toBe(202);
  const run = await waitForJob(h.ds, res.body.jobId);
  expect({ state: run.state, error: run.error }).toEqual({ state: 'succeeded', error: null });
  const file = await request(h.app)
    .get(`/v1/jobs/${run.id}/files/export.${format}`)
    .set(bearer(account.tokens.staff))
    .buffer(true)
    .parse(binary);
  expect(file.status).toBe(200);
  return { run, file: file.body as Buffer };
}

const FILE = [
  'customer_number,type,name,email,phone,customer_group,labels,delivery_days,cutoff_enabled,cutoff_time,portal_access,billing_line1,billing_city,shipping_postcode,contact1_name,contact1_phones,contact2_email,custom:route,custom:risk,other_address2_label,other_address2_city',
  'R-1,business,Round Trip Ltd,rt@example.com,+44 1632 960000,TRADE,north|vip,mon|thu,true,06:30,true,"1 Loop Rd, Unit 2",Bristol,BS1 4DJ,Rita,111|222,second@example.com,R9,"=HYPERLINK(""x"")",Dock,Hull',
  'R-2,consumer,Ann Person,,,,,,,,,,,,,,,,,,',
  'R-3,business,"Quote ""Co""",q@example.com,-12,,ops,sun,false,,false,,,,,,,R1,,,',
].join('\n');

beforeAll(async () => {
  // Three parts for four customers: every CSV export here is put together from ranges read at once.
  h = await createHarness({ EXPORT_PARTS: '3' });
  acme = await createTestAccount(h.ds);
  await h.startWorkers();
  await h.ds.query(`INSERT INTO customer_groups (account_id, code, name) VALUES ($1, 'TRADE', 'Trade')`, [
    acme.account.id,
  ]);

  const { job, errors } = await importCustomers(h, acme.tokens.admin, FILE);
  expect({ counts: job.counts, errors }).toEqual({
    counts: expect.objectContaining({ created: 3, rejected: 0 }),
    errors: '',
  });
});
afterAll(() => h.cleanup());

describe('customer export', () => {
  it('writes every column the import reads, formula-safe, and re-imports as unchanged', async () => {
    const { run, file } = await exportCustomers('csv');
    expect(run.counts).toEqual({ rows: 4 }); // C-1 comes with every test account
    const text = file.toString('utf8');
    const [header, ...rows] = text.trim().split('\n');
    // One header, then each customer once, in number order, across the parts.
    expect(rows.map((r) => r.split(',')[0])).toEqual(['C-1', 'R-1', 'R-2', 'R-3']);
    expect(header).toMatch(
      /^customer_number,type,name,contact_name,email,phone,customer_group,pricing_tier,catalogue,/,
    );
    // The further addresses' columns as far as the customer with most uses them (R-1: the second), then custom fields.
    expect(header).toMatch(/,contact3_role,other_address1_label,.*,other_address2_phone,custom:risk,custom:route$/);
    expect(header).not.toContain('other_address3');
    expect(rows.find((r) => r.startsWith('R-1,'))).toContain(`'+44 1632 960000`);
    expect(rows.find((r) => r.startsWith('R-1,'))).toContain(`"'=HYPERLINK(""x"")"`);
    expect(rows.find((r) => r.startsWith('R-3,'))).toContain(',-12,');
    for (const query of ['', '?blank=clear']) {
      const again = await importCustomers(h, acme.tokens.admin, file, query);
      expect({ query, counts: again.job.counts }).toEqual({
        query,
        counts: expect.objectContaining({ created: 0, updated: 0, unchanged: 4, rejected: 0, warnings: 0 }),
      });
    }
  });

  it('round-trips CSV: an edited cell is the only change', async () => {
    const { file } = await exportCustomers('csv');
    const edited = file.toString('utf8').replace('Round Trip Ltd', 'Round Trip Limited');
    const res = await importCustomers(h, acme.tokens.admin, edited);
    expect(res.job.counts).toMatchObject({ updated: 1, unchanged: 3 });
    const after = (await exportCustomers('csv')).file.toString('utf8');
    expect(after).toBe(edited);
  });

  it('round-trips XLSX: an edited cell is the only change', async () => {
    const { run, file } = await exportCustomers('xlsx');
    expect(run.counts).toEqual({ rows: 4 });
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(file as unknown as ArrayBuffer);
    const sheet = book.worksheets[0]!;
    const header = (sheet.getRow(1).values as string[]).slice(1);
    const nameCol = header.indexOf('name') + 1;
    const r1 = [...Array(sheet.rowCount).keys()]
      .map((i) => sheet.getRow(i + 1))
      .find((r) => r.getCell(1).value === 'R-1')!;
    expect(r1.getCell(header.indexOf('custom:risk') + 1).value).toBe('=HYPERLINK("x")'); // a string cell, not a formula
    r1.getCell(nameCol).value = 'Round Trip XL';
    const edited = Buffer.from(await book.xlsx.writeBuffer());
    const res = await importCustomers(h, acme.tokens.admin, edited, '', XLSX);
    expect(res.job.counts).toMatchObject({ updated: 1, unchanged: 3, rejected: 0, warnings: 0 });
    const c = await request(h.app).get('/v1/customers/R-1').set(bearer(acme.tokens.staff));
    expect(c.body).toMatchObject({
      name: 'Round Trip XL',
      phone: '+44 1632 960000',
      customFields: { risk: '=HYPERLINK("x")' },
    });
  });

  it('re-imports a customer written through the API as unchanged, in CSV and XLSX, blank=ignore or clear', async () => {
    const other = await createTestAccount(h.ds);
    const made = await request(h.app)
      .post('/v1/customers')
      .set(bearer(other.tokens.staff))
      .send({
        number: 'API-1',
        name: '  Typed By Hand  ',
        email: 'hand@example.com',
        contactName: '',
        paymentTerms: ' ',
        pricingTier: "'=B",
        phone: "''+44 1632",
        deliveryDays: ['fri', 'mon', 'fri'],
        labels: ['zeta', 'alpha', 'zeta'],
        cutoff: { enabled: true, time: '07:05', type: 'flexible' },
        addresses: {
          billing: { line1: '9 Side St', city: 'Leeds', region: '' },
          shipping: { postcode: 'LS1 1AA' },
          // More than a file's three slots: the fourth is no column of the export, and stays as it is.
          other: [{ label: 'Yard' }, { city: 'York', phone: '' }, { line1: '3 Mill Ln' }, { label: 'Fourth' }],
        },
        contacts: [
          { name: 'Pat', phones: ['333', '111'], role: '' },
          { email: 'second@example.com', phones: [] },
        ],
        customFields: { route: 'R7', empty: '' },
      });
    expect(made.status).toBe(201);
    for (const [format, query] of [
      ['csv', ''],
      ['xlsx', ''],
      ['csv', '?blank=clear'],
      ['xlsx', '?blank=clear'],
    ] as const) {
      const { file } = await exportCustomers(format, {}, other);
      const again = await importCustomers(h, other.tokens.admin, file, query, format === 'csv' ? 'text/csv' : XLSX);
      expect({ format, query, counts: again.job.counts, errors: again.errors }).toEqual({
        format,
        query,
        counts: expect.objectContaining({ created: 0, updated: 0, unchanged: 2, rejected: 0 }),
        errors: '',
      });
    }
    const kept = await request(h.app).get('/v1/customers/API-1').set(bearer(other.tokens.staff));
    expect(kept.body.addresses.other).toEqual([
      { label: 'Yard' },
      { city: 'York' },
      { line1: '3 Mill Ln' },
      { label: 'Fourth' },
    ]);
  });

  it('exports only the customers a filter selects', async () => {
    const { run, file } = await exportCustomers('csv', { label: 'ops' });
    expect(run.counts).toEqual({ rows: 1 });
    expect(file.toString('utf8').trim().split('\n')[1]).toMatch(/^R-3,/);
    // A misspelt filter is refused, not dropped: dropped, it exported every customer.
    const misspelt = await request(h.app)
      .post('/v1/exports')
      .set(bearer(acme.tokens.staff))
      .send({ kind: 'customers', format: 'csv', filters: { lable: 'ops' } });
    expect([misspelt.status, misspelt.body.error.details]).toEqual([
      400,
      [{ field: 'body.filters', message: 'Unrecognized key: "lable"' }],
    ]);
  });

  it("does not let another account export this account's customers", async () => {
    const other = await createTestAccount(h.ds);
    const res = await request(h.app)
      .post('/v1/exports')
      .set(bearer(other.tokens.staff))
      .send({ kind: 'customers', format: 'csv' });
    const run = await waitForJob(h.ds, res.body.jobId);
    expect(run.counts).toEqual({ rows: 1 });
    const file = await request(h.app).get(`/v1/jobs/${run.id}/files/export.csv`).set(bearer(other.tokens.staff));
    expect(file.text).not.toContain('R-1');
    expect((await request(h.app).get(`/v1/jobs/${run.id}`).set(bearer(acme.tokens.staff))).status).toBe(404);
  });

  it('plans its read for the table as it is: statistics left behind by a bulk change are refreshed first', async () => {
    // Autovacuum would refresh them too, on its own time; off here, so only the export can.
    await h.ds.query('ALTER TABLE customers SET (autovacuum_enabled = false)');
    const bulk = await createTestAccount(h.ds);
    await h.ds.query(
      `INSERT INTO customers (account_id, customer_number, name)
       SELECT $1, 'B' || lpad(i::text, 6, '0'), 'Bulk ' || i FROM generate_series(1, 20000) i`,
      [bulk.account.id],
    );
    const stats = async () =>
      (
        await h.ds.query(
          `SELECT n_live_tup::int AS live, last_analyze FROM pg_stat_user_tables WHERE relname = 'customers'`,
        )
      )[0] as { live: number; last_analyze: Date | null };
    // A committed change reaches pg_stat_user_tables within a second or so.
    await waitFor('the insert in the statistics', async () => ((await stats()).live >= 20_000 ? true : undefined));
    expect((await stats()).last_analyze).toBeNull();

    const res = await request(h.app)
      .post('/v1/exports')
      .set(bearer(bulk.tokens.staff))
      .send({ kind: 'customers', format: 'xlsx' });
    const run = await waitForJob(h.ds, res.body.jobId);
    const [{ n }] = await h.ds.query('SELECT count(*)::int AS n FROM customers WHERE account_id = $1', [
      bulk.account.id,
    ]);
    expect({ state: run.state, counts: run.counts }).toEqual({ state: 'succeeded', counts: { rows: n } });
    expect(n).toBeGreaterThanOrEqual(20_000);
    expect((await stats()).last_analyze).not.toBeNull();
  });
});
