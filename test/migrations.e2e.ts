import { createTestAccount, createTestEnv, type TestEnv } from '@customer-hub/testing';

/** Migrations that change stored data, run again on rows written as an earlier release wrote them. */

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env.cleanup());

async function runAgain(name: string): Promise<void> {
  const migration = env.ds.migrations.find((m) => m.name === name);
  if (!migration) throw new Error(`no migration ${name}`);
  const runner = env.ds.createQueryRunner();
  try {
    await migration.up(runner);
  } finally {
    await runner.release();
  }
}

describe('migrations', () => {
  it('puts delivery days stored out of order in week order, and nothing else about the customer', async () => {
    const { account } = await createTestAccount(env.ds);
    const then = '2026-01-02T03:04:05.000Z';
    await env.ds.query(
      `INSERT INTO customers (account_id, customer_number, name, delivery_days, updated_at)
       VALUES ($1, 'D1', 'Out Of Order', '{sun,fri,mon}', $2), ($1, 'D2', 'Default Days', NULL, $2),
              ($1, 'D3', 'In Order', '{tue,wed}', $2)`,
      [account.id, then],
    );
    await runAgain('DeliveryDaysWeekOrder1732350000000');
    const rows = await env.ds.query(
      `SELECT customer_number AS number, delivery_days AS days, updated_at FROM customers
       WHERE account_id = $1 AND customer_number LIKE 'D%' ORDER BY customer_number`,
      [account.id],
    );
    expect(rows.map((r: { number: string; days: string[] | null }) => [r.number, r.days])).toEqual([
      ['D1', ['mon', 'fri', 'sun']],
      ['D2', null],
      ['D3', ['tue', 'wed']],
    ]);
    expect(rows.map((r: { updated_at: Date }) => r.updated_at.toISOString())).toEqual([then, then, then]);
  });

  it('takes empty texts out of profiles written before, leaving what holds a value and updated_at', async () => {
    const { account } = await createTestAccount(env.ds);
    const then = '2026-01-02T03:04:05.000Z';
    await env.ds.query(
      `INSERT INTO customers (account_id, customer_number, name, contact_name, phone, billing_address,
         shipping_address, other_addresses, contacts, updated_at)
       VALUES ($1, 'E1', 'Empties', '', '0113', '{"line1": "1 Main St", "city": ""}', '{"city": ""}',
         '[{"label": "Depot", "city": ""}, {"city": ""}]',
         '[{"name": "", "phones": []}, {"name": "Pat", "role": ""}, {"email": ""}, null]', $2),
         ($1, 'E2', 'Full', 'Ann', NULL, '{"city": "Leeds"}', NULL, '[]', '[{"name": "Bo", "phones": ["1"]}]', $2)`,
      [account.id, then],
    );
    await runAgain('EmptyProfileParts1732370000000');
    const rows = await env.ds.query(
      `SELECT customer_number AS number, contact_name, phone, billing_address, shipping_address, other_addresses,
              contacts, updated_at FROM customers
       WHERE account_id = $1 AND customer_number LIKE 'E%' ORDER BY customer_number`,
      [account.id],
    );
    expect(rows.map(({ updated_at, ...r }: { updated_at: Date }) => ({ ...r, at: updated_at.toISOString() }))).toEqual([
      {
        number: 'E1',
        contact_name: null,
        phone: '0113',
        billing_address: { line1: '1 Main St' },
        shipping_address: null,
        other_addresses: [{ label: 'Depot' }],
        contacts: [null, { name: 'Pat' }],
        at: then,
      },
      {
        number: 'E2',
        contact_name: 'Ann',
        phone: null,
        billing_address: { city: 'Leeds' },
        shipping_address: null,
        other_addresses: [],
        contacts: [{ name: 'Bo', phones: ['1'] }],
        at: then,
      },
    ]);
  });
});
