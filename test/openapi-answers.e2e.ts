import { createTestAccount, type TestAccount, waitForJob } from '@customer-hub/testing';
import request from 'supertest';
import { bearer, createHarness, type Harness } from './support/harness';
import { openApiAnswers } from './support/openapi-answers';

let h: Harness;
let acme: TestAccount;
let answers: ReturnType<typeof openApiAnswers>;

beforeAll(async () => {
  // Every label edit that changes a customer is a job: its answer (202) is checked too.
  h = await createHarness({ LABEL_EDIT_SYNC_LIMIT: '0' });
  acme = await createTestAccount(h.ds);
  answers = openApiAnswers((await request(h.app).get('/v1/openapi.json')).body);
  await h.startWorkers();
});
afterAll(() => h.cleanup());

/**
 * Calls the API as the account's admin and returns the answer's body once it conforms to the document: a 2xx,
 * or the status `expected` (an error's answer is documented too). A string body goes as CSV.
 */
async function call(
  method: 'get' | 'post' | 'patch' | 'put' | 'delete',
  url: string,
  body?: object | string,
  expected?: number,
  token = acme.tokens.admin,
) {
  const req = request(h.app)[method](url).set(bearer(token));
  const res = typeof body === 'string' ? await req.set('Content-Type', 'text/csv').send(body) : await req.send(body);
  const ok = expected === undefined ? res.status >= 200 && res.status < 300 : res.status === expected;
  expect([url, ok ? 'as expected' : res.body]).toEqual([url, 'as expected']);
  if (res.status !== 204) {
    expect({ method, url, problems: answers.problems(method, url, res.status, res.body) }).toEqual({
      method,
      url,
      problems: [],
    });
  }
  return res.body;
}

describe('the API answers as its OpenAPI document says', () => {
  it('on the customer routes: account, price lists, groups, catalogues, labels, customers and their records', async () => {
    await call('patch', '/v1/account', { deliveryDays: ['mon', 'thu'] });
    await call('get', '/v1/account');
    await call('post', '/v1/price-lists', { code: 'GOLD', name: 'Gold', currency: 'GBP' });
    await call('put', '/v1/price-lists/GOLD/items', { items: [{ product: 'P1', priceMinor: 199 }] });
    await call('get', '/v1/price-lists/GOLD?limit=1');
    await call('get', '/v1/price-lists');
    await call('post', '/v1/customer-groups', { code: 'TRADE', name: 'Trade', priceList: 'GOLD' });
    await call('patch', '/v1/customer-groups/TRADE', { name: 'Trade buyers' });
    await call('get', '/v1/customer-groups');
    await call('post', '/v1/catalogues', { code: 'EXTRA', name: 'Extra' });
    await call('post', '/v1/catalogues/EXTRA/products', { add: ['P1', 'P2'] });
    await call('get', '/v1/catalogues/EXTRA/products?limit=1');
    await call('patch', '/v1/catalogues/EXTRA', { name: 'Extra range' });
    await call('get', '/v1/catalogues');
    await call('post', '/v1/labels', { name: 'vip' });
    await call('patch', '/v1/labels/vip', { name: 'gold' });
    await call('get', '/v1/labels');

    await call('post', '/v1/customers', {
      number: 'T-1',
      name: 'Tour Foods',
      email: 'tour@example.com',
      group: 'TRADE',
      catalogue: 'EXTRA',
      labels: ['gold'],
      contacts: [{ name: 'Ann', phones: ['0113 496 0000'] }],
      addresses: { billing: { line1: '1 High St', city: 'Leeds' }, other: [{ label: 'Depot', city: 'York' }] },
      customFields: { route: 'R1' },
    });
    await call('post', '/v1/customers', { number: 'T-2', name: 'Second Stop' });
    await call('patch', '/v1/customers/T-1', { number: 'T-1A', cutoff: { enabled: true, time: '15:00' } });
    await call('get', '/v1/customers/T-1A');
    await call('get', '/v1/customers?search=t-&limit=1');
    await call('get', '/v1/customers/T-1A/number-changes');
    const note = await call('post', '/v1/customers/T-1A/notes', { body: 'Prefers mornings' });
    await call('patch', `/v1/customers/T-1A/notes/${note.id}`, { body: 'Prefers early mornings' });
    await call('get', `/v1/customers/T-1A/notes/${note.id}/revisions`);
    await call('get', '/v1/customers/T-1A/notes');
    await call('delete', `/v1/customers/T-1A/notes/${note.id}`);
    await call('post', '/v1/customers/T-1A/balance-adjustments', {
      balance: 'store_credit',
      amountMinor: 500,
      reason: 'Refund',
    });
    await call('get', '/v1/customers/T-1A/balance-adjustments?limit=1');
    // Both kinds of price: from the group's list, and where there is none (no such product here).
    const prices = await call('get', '/v1/customers/T-1A/prices?products=P1,NOPE');
    expect(prices.items.map((p: { source: string }) => p.source)).toEqual(['price_list:GOLD', 'unknown_product']);
    await call('post', '/v1/customers/labels', { customerRefs: ['T-1A', 'T-9'], add: ['gold'] });
    await call('delete', '/v1/labels/gold');
    await call('delete', '/v1/customers/T-2');
    await call('post', '/v1/customers/T-2/restore');
  });

  it('on jobs (accepted, listed, one, committed) and errors', async () => {
    const file = 'customer_number,name\nJ-1,Job Foods\n';
    const accepted = await call('post', '/v1/imports/customers?validateOnly=true', file);
    await waitForJob(h.ds, accepted.jobId);
    expect((await call('get', `/v1/jobs/${accepted.jobId}`)).state).toBe('awaiting_commit');
    await call('post', `/v1/jobs/${accepted.jobId}/commit`);
    expect((await waitForJob(h.ds, accepted.jobId)).state).toBe('succeeded');
    const exported = await call('post', '/v1/exports', { kind: 'customers', format: 'csv', filters: { search: 'J-' } });
    await waitForJob(h.ds, exported.jobId);
    // A finished export's job, with its file.
    expect((await call('get', `/v1/jobs/${exported.jobId}`)).files).toHaveLength(1);
    await call('get', '/v1/jobs?limit=1');
    await call('post', `/v1/jobs/${accepted.jobId}/cancel`, undefined, 409);
    await call('get', '/v1/jobs/00000000-0000-4000-8000-000000000000', undefined, 404);
    await call('post', '/v1/customers', { number: 'J-1', name: 'Again' }, 409);
    await call('patch', '/v1/account', { deliveryDays: [] }, 400);
  });

  it('on products, purchase histories, the caller, tokens and the self-test', async () => {
    await waitForJob(h.ds, (await call('post', '/v1/imports/products', 'code,name,colour\nP1,Mug,red\n')).jobId);
    await call('get', '/v1/products?search=p&limit=1');
    await call('get', '/v1/products/P1');
    const history = await call('post', '/v1/purchase-histories', 'customer,product\nJ-1,P1\n');
    expect((await waitForJob(h.ds, history.jobId)).state).toBe('succeeded');
    const [version] = (await call('get', '/v1/purchase-histories')).items;
    await call('post', `/v1/purchase-histories/${version.version}/restore`);
    await call('get', '/v1/purchase-histories/current/customers/J-1');
    await call('post', '/v1/me/exports', {}, 202, acme.tokens.customer);
    await call('get', '/v1/openapi.json');
    const me = await call('get', '/v1/me');
    const issued = await call('post', '/v1/tokens', { userId: me.userId, name: 'tour', expiresInDays: 1 });
    await call('get', '/v1/tokens');
    await call('delete', `/v1/tokens/${issued.id}`);
    await call('post', '/v1/diagnostics', { steps: 1, stepMs: 1 });
  });

  it('on every route that answers JSON (after the tours above)', () => {
    const documented = answers.withJsonAnswers().filter((op) => / \/v1\//.test(op));
    expect(documented.length).toBeGreaterThan(40);
    expect(documented.filter((op) => !answers.checked.has(op))).toEqual([]);
  });

  it('checked for real: an answer with a field the document lacks, or one missing, does not conform', () => {
    const label = { name: 'gold', customers: 1 };
    expect(answers.problems('get', '/v1/labels', 200, { items: [label] })).toEqual([]);
    expect(answers.problems('get', '/v1/labels', 200, { items: [{ ...label, extra: 1 }] })).not.toEqual([]);
    expect(answers.problems('get', '/v1/labels', 200, { items: [{ name: 'gold' }] })).not.toEqual([]);
  });
});
