import { v1Routes } from '@customer-hub/api';
import { createTestAccount, type TestAccount } from '@customer-hub/testing';
import type request from 'supertest';
import { callsAs, harnessWithAccount } from './support/harness';

/** Who may call the customer routes: roles, and accounts apart. */

const t = harnessWithAccount();
let other: TestAccount;

beforeAll(async () => {
  other = await createTestAccount(t.h.ds);
  // Something of each kind in acme, for another account to try.
  const admin = as(t.acme.tokens.admin);
  for (const [url, body] of [
    ['/v1/price-lists', { code: 'GOLD', name: 'Gold', currency: 'GBP' }],
    ['/v1/customer-groups', { code: 'TRADE', name: 'Trade', priceList: 'GOLD' }],
    ['/v1/catalogues', { code: 'MAIN', name: 'Main', main: true }],
    ['/v1/catalogues', { code: 'EXTRA', name: 'Extra' }],
    ['/v1/labels', { name: 'new' }],
    ['/v1/customers', { number: 'R-1', name: 'Roles' }],
  ] as const) {
    expect({ url, status: (await admin.post(url, body)).status }).toEqual({ url, status: 201 });
  }
});
const as = (token: string) => callsAs(t.h, token);

/** The customer routes and the reference data they hang on. */
const AREA = /^\/(customers|customer-groups|price-lists|catalogues|labels)\b/;

describe('customer routes access', () => {
  it('lets ops read but not write, and keeps customers out', async () => {
    const ops = as(t.acme.tokens.ops);
    expect((await ops.get('/v1/customers/R-1')).status).toBe(200);
    expect((await ops.patch('/v1/customers/R-1', { name: 'x' })).status).toBe(403);
    expect((await ops.post('/v1/customers/R-1/notes', { body: 'x' })).status).toBe(403);
    expect((await ops.post('/v1/labels', { name: 'x' })).status).toBe(403);
    const customer = as(t.acme.tokens.customer);
    expect((await customer.get('/v1/customers')).status).toBe(403);
    expect((await customer.get('/v1/customers/R-1')).status).toBe(403);
  });

  it("never shows or changes another account's customers, groups, lists, catalogues or labels", async () => {
    const theirs = as(other.tokens.admin);
    const note = (await as(t.acme.tokens.admin).post('/v1/customers/R-1/notes', { body: 'ours' })).body;
    const urls: [keyof ReturnType<typeof as>, string, object?][] = [
      ['patch', `/v1/customers/R-1/notes/${note.id}`, { body: 'theirs' }],
      ['get', `/v1/customers/R-1/notes/${note.id}/revisions`],
      ['delete', `/v1/customers/R-1/notes/${note.id}`],
      ['get', '/v1/customers/R-1'],
      ['patch', '/v1/customers/R-1', { name: 'hijack' }],
      ['delete', '/v1/customers/R-1'],
      ['post', '/v1/customers/R-1/restore'],
      ['get', '/v1/customers/R-1/number-changes'],
      ['get', '/v1/customers/R-1/notes'],
      ['post', '/v1/customers/R-1/notes', { body: 'x' }],
      ['post', '/v1/customers/R-1/balance-adjustments', { balance: 'store_credit', amountMinor: 5, reason: 'x' }],
      ['get', '/v1/customers/R-1/balance-adjustments'],
      ['get', '/v1/customers/R-1/prices?products=P1'],
      ['patch', '/v1/customer-groups/TRADE', { name: 'x' }],
      ['delete', '/v1/customer-groups/TRADE'],
      ['get', '/v1/price-lists/GOLD'],
      ['put', '/v1/price-lists/GOLD/items', { items: [] }],
      ['get', '/v1/catalogues/EXTRA/products'],
      ['post', '/v1/catalogues/EXTRA/products', { add: ['X'] }],
      ['patch', '/v1/catalogues/EXTRA', { main: true }],
      ['delete', '/v1/catalogues/MAIN'],
      ['patch', '/v1/labels/new', { name: 'x' }],
      ['delete', '/v1/labels/new'],
    ];
    for (const [method, url, body] of urls) {
      const res = await (theirs[method] as (u: string, b?: object) => request.Test)(url, body);
      expect({ url, status: res.status }).toEqual({ url, status: 404 });
    }
    // Every route of these resources that names one by its key is among them.
    const named = v1Routes.filter((r) => r.path.includes(':') && AREA.test(r.path));
    const unchecked = named.filter((r) => {
      const pattern = new RegExp(`^/v1${r.path.replace(/:[A-Za-z]+/g, '[^/?]+')}(\\?|$)`);
      return !urls.some(([method, url]) => method === r.method && pattern.test(url));
    });
    expect(named.length).toBeGreaterThan(20);
    expect(unchecked.map((r) => `${r.method} ${r.path}`)).toEqual([]);
    expect((await as(t.acme.tokens.admin).get('/v1/customers/R-1/notes')).body.items[0].body).toBe('ours');
    // Each test account starts with its own customer C-1; the other account sees only that one.
    const seen = (await theirs.get('/v1/customers')).body.items.map((c: { number: string }) => c.number);
    expect(seen).toEqual(['C-1']);
    expect((await theirs.get('/v1/customer-groups')).body.items).toEqual([]);
    expect((await theirs.get('/v1/labels')).body.items).toEqual([]);
    expect((await theirs.post('/v1/customers/labels', { customerRefs: ['R-1'], add: ['x'] })).body).toEqual({
      selected: 0,
      changed: 0,
      unknownRefs: ['R-1'],
    });
    expect((await as(t.acme.tokens.admin).get('/v1/customers/R-1')).body).toMatchObject({
      name: 'Roles',
      deletedAt: null,
    });
  });
});
