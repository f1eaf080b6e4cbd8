import { createTestAccount, type TestAccount } from '@customer-hub/testing';
import { importCustomers } from './support/customers';
import { createHarness, type Harness } from './support/harness';

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

const customer = async (number: string) =>
  (
    await h.ds.query(
      `SELECT c.*, g.code AS group_code FROM customers c LEFT JOIN customer_groups g ON g.id = c.group_id
       WHERE c.account_id = $1 AND c.customer_number = $2`,
      [acme.account.id, number],
    )
  )[0];

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
    const again = await importFile(FILE);
    expect(again.job.counts).toMatchObject({ created: 0, updated: 0, unchanged: 2 });
    expect((await customer('C1')).updated_at).toEqual(c1.updated_at);
  });
});
