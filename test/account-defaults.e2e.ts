import { createTestAccount, type TestAccount } from '@customer-hub/testing';
import request from 'supertest';
import { importCustomers } from './support/customers';
import { bearer, createHarness, type Harness } from './support/harness';

/** The account's default delivery days, and the days each customer gets from them. */

let h: Harness;
let acme: TestAccount;
let other: TestAccount;

beforeAll(async () => {
  h = await createHarness();
  acme = await createTestAccount(h.ds);
  other = await createTestAccount(h.ds);
  await h.startWorkers();
});
afterAll(() => h.cleanup());

const get = (token: string, url: string) => request(h.app).get(url).set(bearer(token));
const patch = (token: string, body: object) => request(h.app).patch('/v1/account').set(bearer(token)).send(body);
const daysOf = async (number: string) => {
  const res = await get(acme.tokens.staff, `/v1/customers/${number}`);
  expect(res.status).toBe(200);
  return { own: res.body.deliveryDays, effective: res.body.effectiveDeliveryDays };
};

describe('account default delivery days', () => {
  it('start as Monday to Friday; an admin changes them, stored once each, Monday first', async () => {
    const shown = await get(acme.tokens.ops, '/v1/account');
    expect(shown.status).toBe(200);
    expect(shown.body).toEqual({
      slug: acme.account.slug,
      name: acme.account.name,
      deliveryDays: ['mon', 'tue', 'wed', 'thu', 'fri'],
    });
    const changed = await patch(acme.tokens.admin, { deliveryDays: ['sat', 'tue', 'sat'] });
    expect(changed.status).toBe(200);
    expect(changed.body.deliveryDays).toEqual(['tue', 'sat']);
    expect((await get(acme.tokens.staff, '/v1/account')).body.deliveryDays).toEqual(['tue', 'sat']);
  });

  it('refuses no days or an unknown day, naming the field, and keeps the days as they were', async () => {
    await patch(acme.tokens.admin, { deliveryDays: ['mon'] }).expect(200);
    for (const deliveryDays of [[], ['funday']]) {
      const res = await patch(acme.tokens.admin, { deliveryDays });
      expect(res.status).toBe(400);
      expect(res.body.error.details[0].field).toMatch(/^body\.deliveryDays/);
    }
    expect((await patch(acme.tokens.admin, { timezone: 'UTC' })).status).toBe(400);
    expect((await get(acme.tokens.admin, '/v1/account')).body.deliveryDays).toEqual(['mon']);
  });

  it('are for admins to change: staff and ops may read them, customers neither', async () => {
    for (const role of ['staff', 'ops', 'customer'] as const) {
      const res = await patch(acme.tokens[role], { deliveryDays: ['sun'] });
      expect({ role, status: res.status }).toEqual({ role, status: 403 });
    }
    expect((await get(acme.tokens.customer, '/v1/account')).status).toBe(403);
    expect((await get(acme.tokens.admin, '/v1/account')).body.deliveryDays).not.toContain('sun');
  });

  it("are what a customer without days of their own gets, and follow the account's changes", async () => {
    await patch(acme.tokens.admin, { deliveryDays: ['mon', 'thu'] }).expect(200);
    const file = 'customer_number,name,delivery_days\nDD-1,Own Days,wed|sun\nDD-2,Account Days,\n';
    const { job } = await importCustomers(h, acme.tokens.admin, file);
    expect(job.counts).toMatchObject({ created: 2, rejected: 0 });
    expect(await daysOf('DD-1')).toEqual({ own: ['wed', 'sun'], effective: ['wed', 'sun'] });
    expect(await daysOf('DD-2')).toEqual({ own: null, effective: ['mon', 'thu'] });

    await patch(acme.tokens.admin, { deliveryDays: ['fri'] }).expect(200);
    expect(await daysOf('DD-2')).toEqual({ own: null, effective: ['fri'] });
    const listed = await get(acme.tokens.staff, '/v1/customers?search=DD-');
    expect(listed.body.items.map((c: { effectiveDeliveryDays: string[] }) => c.effectiveDeliveryDays)).toEqual([
      ['wed', 'sun'],
      ['fri'],
    ]);
    const none = await request(h.app)
      .patch('/v1/customers/DD-1')
      .set(bearer(acme.tokens.staff))
      .send({ deliveryDays: [] });
    expect(none.status).toBe(400);
    expect(none.body.error.details[0].message).toMatch(/at least one day/);
    // Clearing a customer's own days hands them the account's.
    const cleared = await request(h.app)
      .patch('/v1/customers/DD-1')
      .set(bearer(acme.tokens.staff))
      .send({ deliveryDays: null });
    expect(cleared.body).toMatchObject({ deliveryDays: null, effectiveDeliveryDays: ['fri'] });
  });

  it("are each account's own", async () => {
    await patch(acme.tokens.admin, { deliveryDays: ['tue'] }).expect(200);
    await patch(other.tokens.admin, { deliveryDays: ['sat', 'sun'] }).expect(200);
    expect((await get(acme.tokens.admin, '/v1/account')).body.deliveryDays).toEqual(['tue']);
    expect((await get(other.tokens.admin, '/v1/account')).body).toMatchObject({
      slug: other.account.slug,
      deliveryDays: ['sat', 'sun'],
    });
    const theirs = await get(other.tokens.staff, '/v1/customers/C-1');
    expect(theirs.body.effectiveDeliveryDays).toEqual(['sat', 'sun']);
    expect((await daysOf('C-1')).effective).toEqual(['tue']);
  });
});
