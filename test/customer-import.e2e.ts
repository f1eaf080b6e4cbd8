import { createTestAccount, type TestAccount } from '@customer-hub/testing';
import request from 'supertest';
import { importCustomers, storedCustomer } from './support/customers';
import { bearer, createHarness, type Harness } from './support/harness';

let h: Harness;
let acme: TestAccount;

beforeAll(async () => {
  h = await createHarness();
  acme = await createTestAccount(h.ds);
  await h.startWorkers();
  await h.ds.query(`INSERT INTO customer_groups (account_id, code, name) VALUES ($1, 'WHOLESALE', 'Wholesale')`, [
    acme.account.id,
  ]);
});
afterAll(() => h.cleanup());

const importFile = (body: string | Buffer, query = '') => importCustomers(h, acme.tokens.admin, body, query);

const customer = (number: string) => storedCustomer(h, acme.account.id, number);

const FILE = [
  'customer_number,name,email,customer_group,labels,delivery_days,cutoff_time,portal_access,billing_line1,billing_city,contact1_name,contact1_phones,custom:route',
  'C1,Alpha Foods,alpha@example.com,WHOLESALE,vip|north,Mon|wed,16:00,yes,1 Main St,Leeds,Ann,111|222,R1',
  'C2,Beta Bakery,,,,,,,,,,,',
  '',
].join('\n');

describe('customer import', () => {
  it('creates customers with every part of the profile, then reports a re-import as unchanged', async () => {
    const first = await importFile(FILE);
    expect(first.job.state).toBe('succeeded');
    expect(first.job.counts).toEqual({
      created: 2,
      updated: 0,
      unchanged: 0,
      deleted: 0,
      rejected: 0,
      skipped: 0,
      warnings: 0,
    });
    // Both rows applied, of the two that change something.
    expect(first.job.progress).toEqual({ phase: 'committing', processed: 2, total: 2 });
    const c1 = await customer('C1');
    expect(c1).toMatchObject({
      name: 'Alpha Foods',
      email: 'alpha@example.com',
      group_code: 'WHOLESALE',
      labels: ['north', 'vip'],
      delivery_days: ['mon', 'wed'],
      cutoff_time: '16:00:00',
      portal_access: true,
      billing_address: { line1: '1 Main St', city: 'Leeds' },
      contacts: [{ name: 'Ann', phones: ['111', '222'] }],
      custom_fields: { route: 'R1' },
    });
    expect(await customer('C2')).toMatchObject({ billing_address: null, contacts: [], custom_fields: {} });
    // The labels the file names join the account's list.
    const labels = await h.ds.query('SELECT name FROM labels WHERE account_id = $1 ORDER BY name', [acme.account.id]);
    expect(labels.map((l: { name: string }) => l.name)).toEqual(expect.arrayContaining(['north', 'vip']));
    const again = await importFile(FILE);
    expect(again.job.counts).toMatchObject({ created: 0, updated: 0, unchanged: 2 });
    // Nothing to apply: the commit's progress says so, rather than showing the read's figures.
    expect(again.job.progress).toEqual({ phase: 'committing', processed: 0, total: 0 });
    expect((await customer('C1')).updated_at).toEqual(c1.updated_at);
  });

  it('gives a new customer just the parts its row sets, and reads the same row back as unchanged', async () => {
    const file =
      'customer_number,name,billing_city,shipping_city,contact1_name,contact1_email,contact2_name,contact2_email,custom:route\n' +
      'N1,Nina,,York,Yan,,Zoe,zoe@example.com,\n';
    const first = await importFile(file, '?blank=clear');
    expect(first.job.counts).toMatchObject({ created: 1, rejected: 0 });
    expect(await customer('N1')).toMatchObject({
      billing_address: null,
      shipping_address: { city: 'York' },
      contacts: [{ name: 'Yan' }, { name: 'Zoe', email: 'zoe@example.com' }],
      custom_fields: {},
    });
    const again = await importFile(file, '?blank=clear');
    expect(again.job.counts).toMatchObject({ created: 0, updated: 0, unchanged: 1 });
  });

  it('a file of a few columns still sees a change in any one of them', async () => {
    await h.ds.query(`INSERT INTO catalogues (account_id, code, name) VALUES ($1, 'SPRING', 'Spring')`, [
      acme.account.id,
    ]);
    await importFile('customer_number,name\nF1,Fay\n');
    const changes = [
      'customer_group\nF1,WHOLESALE',
      'catalogue\nF1,SPRING',
      'firstname,lastname\nF1,Fay,Field',
      'billing_city\nF1,Hull',
      'contact1_role\nF1,buyer',
      'custom:route\nF1,R9',
      'labels\nF1,vip',
      'delivery_days\nF1,tue',
    ];
    for (const change of changes) {
      const file = `customer_number,${change}\n`;
      expect({ change, counts: (await importFile(file)).job.counts }).toMatchObject({ counts: { updated: 1 } });
      expect({ change, counts: (await importFile(file)).job.counts }).toMatchObject({ counts: { unchanged: 1 } });
    }
  });

  it('sees a change where the stored address, contacts or custom fields hold more than the file sets', async () => {
    const full =
      'customer_number,name,billing_line1,billing_city,contact1_name,contact1_phones,contact2_name,custom:route,custom:dock\n' +
      'K1,Kay,1 Main St,Leeds,Ann,111|222,Bob,R1,D4\n';
    await importFile(full);
    const changes = [
      // a phone list that is a part of the stored one, or the same phones in another order
      ['contact1_phones\nK1,111', '?blank=ignore'],
      ['contact1_phones\nK1,222|111', '?blank=ignore'],
      // a part cleared in each structured column
      ['billing_line1,billing_city\nK1,,Leeds', '?blank=clear'],
      ['contact1_name,contact1_phones\nK1,Ann,', '?blank=clear'],
      ['custom:route,custom:dock\nK1,R1,', '?blank=clear'],
      // contact 2 emptied: the stored array loses its last slot
      ['contact2_name\nK1,', '?blank=clear'],
    ];
    for (const [columns, query] of changes) {
      await importFile(full);
      const file = `customer_number,${columns}\n`;
      expect({ columns, counts: (await importFile(file, query)).job.counts }).toMatchObject({
        columns,
        counts: { updated: 1 },
      });
      expect({ columns, counts: (await importFile(file, query)).job.counts }).toMatchObject({
        columns,
        counts: { unchanged: 1 },
      });
    }
    expect(await customer('K1')).toMatchObject({ contacts: [{ name: 'Ann', phones: ['111', '222'] }] });
  });

  it('blank=ignore keeps stored values, blank=clear clears them (to the default where there is one)', async () => {
    await importFile('customer_number,name,email,labels,billing_city\nB1,Bravo,b@example.com,x|y,York\n');
    const kept = await importFile('customer_number,name,email,labels,billing_city\nB1,Bravo,,,\n');
    expect(kept.job.counts).toMatchObject({ unchanged: 1 });
    expect(await customer('B1')).toMatchObject({
      email: 'b@example.com',
      labels: ['x', 'y'],
      billing_address: { city: 'York' },
    });
    const cleared = await importFile('customer_number,name,email,labels,billing_city\nB1,Bravo,,,\n', '?blank=clear');
    expect(cleared.job.counts).toMatchObject({ updated: 1 });
    expect(await customer('B1')).toMatchObject({ email: null, labels: [], billing_address: null });
    const noName = await importFile('customer_number,name\nB1,\n', '?blank=clear');
    expect(noName.job.state).toBe('failed');
    expect(noName.errors).toContain("2,2 (name),,name can't be blank (blank=clear)");
  });

  it('separator= splits labels, days and phones, and refuses a value holding the | an export joins them with', async () => {
    const file = 'customer_number,name,labels,delivery_days,contact1_name,contact1_phones\n';
    const split = await importFile(`${file}S1,Sep,vip; north,mon;fri,Ann,111; 222\n`, '?separator=%3B');
    expect(split.job.counts).toMatchObject({ created: 1, rejected: 0 });
    expect(await customer('S1')).toMatchObject({
      labels: ['north', 'vip'],
      delivery_days: ['mon', 'fri'],
      contacts: [{ name: 'Ann', phones: ['111', '222'] }],
    });
    const piped = await importFile(`${file}S1,Sep,a|b;c,,Ann,111|2;333\n`, '?separator=%3B&maxErrors=1');
    expect(piped.job.counts).toMatchObject({ unchanged: 0, rejected: 1 });
    expect(piped.errors.trim().split('\n').slice(1)).toEqual([
      '2,3 (labels),a|b;c,"labels label ""a|b"" can\'t contain | (an export joins the values of a cell with it)"',
      '2,6 (contact1_phones),111|2;333,"contact1_phones phone ""111|2"" can\'t contain | (an export joins the values of a cell with it)"',
    ]);
    expect(await customer('S1')).toMatchObject({ labels: ['north', 'vip'] });
  });

  it('modes: create leaves existing numbers alone, update reports unknown ones, delete soft-deletes', async () => {
    await importFile('customer_number,name\nM1,Mike\n');
    const create = await importFile('customer_number,name\nM1,Changed\nM2,Mary\n', '?mode=create');
    expect(create.job.counts).toMatchObject({ created: 1, updated: 0, skipped: 1, rejected: 0 });
    expect(create.errors).toContain('skipped: customer M1 already exists (mode=create leaves it alone)');
    expect((await customer('M1')).name).toBe('Mike');

    const update = await importFile('customer_number,name\nM1,Mike Two\nM9,Nobody\n', '?mode=update');
    expect(update.job.counts).toMatchObject({ created: 0, updated: 1, skipped: 1 });
    expect(update.errors).toContain('skipped: no customer has the number M9');
    expect(await customer('M9')).toBeUndefined();

    const del = await importFile('customer_number\nM1\nM2\nM8\n', '?mode=delete');
    expect(del.job.counts).toMatchObject({ deleted: 2, skipped: 1 });
    // Progress ends on the apply: every line that changed a customer, of those that would.
    expect(del.job.progress).toEqual({ phase: 'committing', processed: 2, total: 2 });
    expect((await customer('M1')).deleted_at).not.toBeNull();
    const again = await importFile('customer_number\nM1\n', '?mode=delete');
    expect(again.job.counts).toMatchObject({ deleted: 0, unchanged: 1 });
    const recreate = await importFile('customer_number,name\nM1,Mike Three\n', '?mode=create');
    expect(recreate.job.counts).toMatchObject({ created: 0, skipped: 1 });
    expect(recreate.errors).toContain(
      'skipped: customer M1 exists, deleted (mode=create leaves it alone; mode=upsert restores it)',
    );
    // An upsert brings a deleted customer back.
    const back = await importFile('customer_number,name\nM1,Mike Two\n');
    expect(back.job.counts).toMatchObject({ updated: 1 });
    expect((await customer('M1')).deleted_at).toBeNull();
  });
});

describe('customer import access', () => {
  it('is for admins only, and an import touches only its own account', async () => {
    for (const role of ['staff', 'ops', 'customer'] as const) {
      const res = await request(h.app)
        .post('/v1/imports/customers')
        .set(bearer(acme.tokens[role]))
        .set('Content-Type', 'text/csv')
        .send('customer_number,name\nZ1,Zed\n');
      expect({ role, status: res.status }).toEqual({ role, status: 403 });
    }
    const other = await createTestAccount(h.ds);
    const res = await importCustomers(h, other.tokens.admin, 'customer_number,name\nC1,Not Alpha\n');
    expect(res.job.counts).toMatchObject({ created: 1 });
    expect((await customer('C1')).name).not.toBe('Not Alpha');
    expect((await request(h.app).get(`/v1/jobs/${res.job.id}`).set(bearer(acme.tokens.admin))).status).toBe(404);
  });

  it('serves the template as CSV and XLSX with every column the import reads', async () => {
    const csv = await request(h.app).get('/v1/imports/customers/template.csv').set(bearer(acme.tokens.admin));
    expect(csv.status).toBe(200);
    expect(csv.text.split('\n')[0]).toMatch(/^customer_number,type,name,contact_name,email,phone,customer_group,/);
    const again = await importCustomers(h, acme.tokens.admin, csv.text, '?validateOnly=true');
    expect(again.job.counts).toMatchObject({ created: 1, rejected: 0, warnings: 0 });
    const xlsx = await request(h.app)
      .get('/v1/imports/customers/template.xlsx')
      .set(bearer(acme.tokens.admin))
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(xlsx.status).toBe(200);
    const fromXlsx = await importCustomers(
      h,
      acme.tokens.admin,
      xlsx.body,
      '?validateOnly=true',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(fromXlsx.job.counts).toMatchObject({ created: 1, rejected: 0, warnings: 0 });
  });
});
