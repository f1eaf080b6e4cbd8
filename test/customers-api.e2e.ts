import { DAYS } from '@customer-hub/customers';
import { createTestAccount, type TestAccount, waitForJob } from '@customer-hub/testing';
import { callsAs, createHarness, type Harness } from './support/harness';

let h: Harness;
let acme: TestAccount;
let other: TestAccount;

beforeAll(async () => {
  h = await createHarness({ LABEL_EDIT_SYNC_LIMIT: '2' });
  acme = await createTestAccount(h.ds);
  other = await createTestAccount(h.ds);
  await h.startWorkers();
});
afterAll(() => h.cleanup());

const as = (token: string) => callsAs(h, token);

describe('customers', () => {
  it('creates, reads, patches (auditing a new number), soft-deletes and restores a customer', async () => {
    const staff = as(acme.tokens.staff);
    const created = await staff.post('/v1/customers', {
      number: 'A-1',
      name: 'Acme Deli',
      email: 'deli@example.com',
      labels: ['vip', 'north', 'vip'],
      cutoff: { enabled: true, time: '15:00', type: 'flexible' },
      deliveryDays: ['tue', 'fri'],
      addresses: { billing: { line1: '2 High St', city: 'Bath' } },
      contacts: [{ name: 'Sam', phones: ['0123'], role: 'buyer' }],
      customFields: { route: 'R7' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      number: 'A-1',
      type: 'business',
      labels: ['north', 'vip'],
      cutoff: { enabled: true, time: '15:00', type: 'flexible' },
      storeCredit: { amountMinor: 0, currency: 'EUR' },
      loyaltyPoints: 0,
      customFields: { route: 'R7' },
    });
    const again = await staff.post('/v1/customers', { number: 'A-1', name: 'Again' });
    expect([again.status, again.body.error]).toEqual([
      409,
      { code: 'customer_exists', message: 'A customer with the number A-1 already exists.' },
    ]);
    expect((await staff.post('/v1/customers', { number: 'A-2' })).body.error).toMatchObject({
      code: 'invalid_body',
      details: [{ field: 'body.name', message: 'required' }],
    });

    const patched = await staff.patch('/v1/customers/A-1', {
      number: 'A-100',
      customFields: { route: null, zone: 'Z' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ number: 'A-100', name: 'Acme Deli', customFields: { zone: 'Z' } });
    // A line break from an HTML form (CRLF) is kept as one LF, as an import keeps one from a Windows file.
    const twoLines = await staff.patch('/v1/customers/A-100', { addresses: { billing: { line1: 'Unit 2\r\nRear' } } });
    expect([twoLines.status, twoLines.body.addresses.billing.line1]).toEqual([200, 'Unit 2\nRear']);
    expect((await staff.get('/v1/customers/A-1')).status).toBe(404);
    const changes = await staff.get('/v1/customers/A-100/number-changes');
    expect(changes.body.items).toEqual([{ from: 'A-1', to: 'A-100', by: acme.userIds.staff, at: expect.any(String) }]);

    expect((await staff.delete('/v1/customers/A-100')).status).toBe(204);
    expect((await staff.get('/v1/customers')).body.items.map((c: { number: string }) => c.number)).not.toContain(
      'A-100',
    );
    expect((await staff.get('/v1/customers?deleted=true')).body.items[0].number).toBe('A-100');
    // The number stays the deleted customer's, and the refusal says so rather than "exists" beside a 404.
    const deletedNumber = {
      code: 'customer_exists',
      message:
        'A deleted customer has the number A-100: restore it (POST /v1/customers/A-100/restore) or give this ' +
        'customer another number.',
    };
    const reuse = await staff.post('/v1/customers', { number: 'A-100', name: 'Someone else' });
    expect([reuse.status, reuse.body.error]).toEqual([409, deletedNumber]);
    await staff.post('/v1/customers', { number: 'A-7', name: 'Seven' });
    const renumber = await staff.patch('/v1/customers/A-7', { number: 'A-100' });
    expect([renumber.status, renumber.body.error]).toEqual([409, deletedNumber]);
    expect((await staff.post('/v1/customers/A-100/restore')).body.deletedAt).toBeNull();
  });

  it('lists with filters and cursor pagination', async () => {
    const admin = as(acme.tokens.admin);
    await admin.post('/v1/customer-groups', { code: 'TRADE', name: 'Trade' });
    for (const [number, name, group, labels] of [
      ['L-1', 'Lemon Ltd', 'TRADE', ['x']],
      ['L-2', 'Lime Ltd', null, ['x', 'y']],
      ['L-3', 'Mango Co', 'TRADE', []],
    ] as const) {
      expect((await admin.post('/v1/customers', { number, name, group, labels })).status).toBe(201);
    }
    const names = async (q: string) =>
      (await admin.get(`/v1/customers?${q}`)).body.items.map((c: { number: string }) => c.number);
    expect(await names('group=TRADE')).toEqual(['L-1', 'L-3']);
    expect(await names('label=y')).toEqual(['L-2']);
    // A misspelt filter is refused, not dropped (dropped, it listed every customer).
    expect((await admin.get('/v1/customers?lable=y&serch=l')).body.error.details).toEqual([
      { field: 'query', message: 'Unrecognized keys: "lable", "serch"' },
    ]);
    expect(await names('search=lime')).toEqual(['L-2']);
    expect(await names('search=L-&updatedSince=2000-01-01T00:00:00Z')).toEqual(['L-1', 'L-2', 'L-3']);
    expect(await names('search=MANGO')).toEqual(['L-3']);
    // A number typed in lower case finds it in capitals.
    expect(await names('search=l-2')).toEqual(['L-2']);
    // A search is text, not a pattern: % and _ match only themselves.
    expect(await names('search=%25')).toEqual([]);
    expect(await names('search=L_')).toEqual([]);
    const bad = await admin.get('/v1/customers?updatedSince=yesterday&deleted=maybe');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([
      { field: 'query.updatedSince', message: 'not a date or time (ISO 8601: 2026-11-01 or 2026-11-01T09:00:00Z)' },
      { field: 'query.deleted', message: 'not true or false' },
    ]);
    const page1 = (await admin.get('/v1/customers?search=L-&limit=2')).body;
    expect(page1.items.map((c: { number: string }) => c.number)).toEqual(['L-1', 'L-2']);
    const page2 = (await admin.get(`/v1/customers?search=L-&limit=2&cursor=${page1.nextCursor}`)).body;
    expect(page2).toMatchObject({ items: [{ number: 'L-3' }], nextCursor: null });
    expect((await admin.patch('/v1/customers/L-2', { group: 'NOPE' })).status).toBe(422);
    expect((await admin.delete('/v1/customer-groups/TRADE')).status).toBe(409);
  });

  it('keeps notes with their edit history, and a balance ledger that never lets store credit go negative', async () => {
    const staff = as(acme.tokens.staff);
    await staff.post('/v1/customers', { number: 'N-1', name: 'Notes Ltd' });
    const note = (await staff.post('/v1/customers/N-1/notes', { body: 'Call on Mondays' })).body;
    expect(note).toMatchObject({ body: 'Call on Mondays', createdBy: acme.userIds.staff, revisions: 0 });
    const edited = await as(acme.tokens.admin).patch(`/v1/customers/N-1/notes/${note.id}`, {
      body: 'Call on Tuesdays',
    });
    expect(edited.body).toMatchObject({ body: 'Call on Tuesdays', updatedBy: acme.userIds.admin, revisions: 1 });
    expect((await staff.get(`/v1/customers/N-1/notes/${note.id}/revisions`)).body.items).toEqual([
      { body: 'Call on Mondays', by: acme.userIds.staff, at: expect.any(String) },
    ]);
    expect((await staff.delete(`/v1/customers/N-1/notes/${note.id}`)).status).toBe(204);
    expect((await staff.get('/v1/customers/N-1/notes')).body.items).toEqual([]);

    const adjust = (balance: string, amountMinor: number) =>
      staff.post('/v1/customers/N-1/balance-adjustments', { balance, amountMinor, reason: 'goodwill' });
    expect((await adjust('store_credit', 500)).body).toMatchObject({ amountMinor: 500, balanceAfterMinor: 500 });
    const refused = await adjust('store_credit', -501);
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('insufficient_store_credit');
    expect((await adjust('on_account', -2500)).body).toMatchObject({ balanceAfterMinor: -2500 });
    expect((await staff.get('/v1/customers/N-1')).body).toMatchObject({
      storeCredit: { amountMinor: 500 },
      onAccount: { amountMinor: -2500 },
    });
    expect((await staff.get('/v1/customers/N-1/balance-adjustments')).body.items).toHaveLength(2);

    // The ledger comes in pages, newest first, none left out.
    await adjust('on_account', 100).expect(201);
    const first = (await staff.get('/v1/customers/N-1/balance-adjustments?limit=2')).body;
    expect(first.items.map((e: { amountMinor: number }) => e.amountMinor)).toEqual([100, -2500]);
    const rest = (await staff.get(`/v1/customers/N-1/balance-adjustments?limit=2&cursor=${first.nextCursor}`)).body;
    expect({ amounts: rest.items.map((e: { amountMinor: number }) => e.amountMinor), next: rest.nextCursor }).toEqual({
      amounts: [500],
      next: null,
    });
    expect((await staff.get('/v1/customers/N-1/balance-adjustments?cursor=x')).status).toBe(400);
  });

  it("resolves a customer's prices from their group's price list, else the base price", async () => {
    const admin = as(acme.tokens.admin);
    await h.ds.query(
      `INSERT INTO products (account_id, code, name, data) VALUES ($1, 'P1', 'Flour', '{"price":"2.50"}'), ($1, 'P2', 'Salt', '{}')`,
      [acme.account.id],
    );
    expect((await admin.post('/v1/price-lists', { code: 'GOLD', name: 'Gold', currency: 'GBP' })).status).toBe(201);
    expect(
      (await admin.put('/v1/price-lists/GOLD/items', { items: [{ product: 'P1', priceMinor: 199 }] })).body.items,
    ).toEqual([{ product: 'P1', priceMinor: 199 }]);
    await admin.post('/v1/customer-groups', { code: 'GOLDGRP', name: 'Gold customers', priceList: 'GOLD' });
    await admin.post('/v1/customers', { number: 'P-1', name: 'Pricey', group: 'GOLDGRP' });
    await admin.post('/v1/customers', { number: 'P-2', name: 'Plain' });
    const prices = async (ref: string) => (await admin.get(`/v1/customers/${ref}/prices?products=P1,P2,P9`)).body.items;
    expect(await prices('P-1')).toEqual([
      { product: 'P1', priceMinor: 199, currency: 'GBP', source: 'price_list:GOLD' },
      { product: 'P2', priceMinor: null, price: null, currency: 'GBP', source: 'none' },
      { product: 'P9', priceMinor: null, price: null, currency: 'GBP', source: 'unknown_product' },
    ]);
    // A base price is the catalogue's text, and in minor units where it is a plain amount.
    expect((await prices('P-2'))[0]).toEqual({
      product: 'P1',
      priceMinor: 250,
      price: '2.50',
      currency: 'EUR',
      source: 'base',
    });
  });

  it('manages catalogues and labels, and edits labels in bulk (as a job over the limit)', async () => {
    const admin = as(acme.tokens.admin);
    expect((await admin.post('/v1/catalogues', { code: 'MAIN', name: 'Main', main: true })).body.main).toBe(true);
    await admin.post('/v1/catalogues', { code: 'EXTRA', name: 'Extra' });
    expect((await admin.post('/v1/catalogues/EXTRA/products', { add: ['P1', 'P2'], remove: [] })).body.products).toBe(
      2,
    );
    await admin.post('/v1/customers', { number: 'K-1', name: 'Cat', catalogue: 'EXTRA' });
    expect(
      (await admin.get('/v1/customers?catalogue=EXTRA')).body.items.map((c: { number: string }) => c.number),
    ).toEqual(['K-1']);
    // A customer without a catalogue of their own gets the account's main one; another account's is not theirs.
    await admin.post('/v1/customers', { number: 'K-2', name: 'Main Cat' });
    const catalogues = async (token: string, ref: string) => {
      const c = (await as(token).get(`/v1/customers/${ref}`)).body;
      return [c.catalogue, c.effectiveCatalogue];
    };
    expect(await catalogues(acme.tokens.staff, 'K-1')).toEqual(['EXTRA', 'EXTRA']);
    expect(await catalogues(acme.tokens.staff, 'K-2')).toEqual([null, 'MAIN']);
    expect(await catalogues(other.tokens.staff, 'C-1')).toEqual([null, null]);

    for (const n of ['B-1', 'B-2', 'B-3']) await admin.post('/v1/customers', { number: n, name: n, labels: ['old'] });
    const sync = await admin.post('/v1/customers/labels', {
      customerRefs: ['B-1', 'NOPE', 'B-2'],
      add: ['new'],
      remove: ['old'],
    });
    expect(sync.body).toEqual({ selected: 2, changed: 2, unknownRefs: ['NOPE'] });
    const both = await admin.post('/v1/customers/labels', {
      customerRefs: ['B-1'],
      add: ['new', 'a'],
      remove: ['new'],
    });
    expect([both.status, both.body.error.details]).toEqual([
      400,
      [{ field: 'body', message: 'labels both added and removed: new; give each once' }],
    ]);
    const misspelt = await admin.post('/v1/customers/labels', { filter: { serch: 'B-' }, add: ['bulk'] });
    expect([misspelt.status, misspelt.body.error.details]).toEqual([
      400,
      [{ field: 'body.filter', message: 'Unrecognized key: "serch"' }],
    ]);
    const job = await admin.post('/v1/customers/labels', { filter: { search: 'B-' }, add: ['bulk'] });
    expect(job.status).toBe(202);
    expect((await waitForJob(h.ds, job.body.jobId)).counts).toEqual({ selected: 3, changed: 3, unknownRefs: 0 });
    const byRefs = await admin.post('/v1/customers/labels', { customerRefs: ['B-1', 'B-2', 'B-3', 'B-9'], add: ['x'] });
    expect(byRefs.status).toBe(202);
    expect((await waitForJob(h.ds, byRefs.body.jobId)).counts).toEqual({ selected: 3, changed: 3, unknownRefs: 1 });
    // The job says what it was asked, the numbers as how many there were.
    expect((await admin.get(`/v1/jobs/${byRefs.body.jobId}`)).body.request).toEqual({
      selection: { customerRefCount: 4 },
      add: ['x'],
      remove: [],
    });
    const undo = await admin.post('/v1/customers/labels', { filter: { search: 'B-' }, remove: ['x'] });
    expect((await waitForJob(h.ds, undo.body.jobId)).counts).toEqual({ selected: 3, changed: 3, unknownRefs: 0 });
    expect((await admin.get('/v1/customers/B-3')).body.labels).toEqual(['bulk', 'old']);

    // A label on no more customers than the limit is renamed and deleted at once; on more, by a job.
    expect((await admin.patch('/v1/labels/new', { name: 'fresh' })).body).toEqual({ name: 'fresh', customers: 2 });
    expect((await admin.patch('/v1/labels/fresh', { name: 'new' })).status).toBe(200);
    expect((await admin.patch('/v1/labels/bulk', { name: 'old' })).status).toBe(409);
    const renamed = await admin.patch('/v1/labels/bulk', { name: 'batch' });
    expect(renamed.status).toBe(202);
    expect((await waitForJob(h.ds, renamed.body.jobId)).counts).toEqual({ selected: 3, changed: 3 });
    expect((await admin.get(`/v1/jobs/${renamed.body.jobId}`)).body.request).toEqual({
      label: 'bulk',
      renameTo: 'batch',
    });
    expect((await admin.get('/v1/customers/B-1')).body.labels).toEqual(['batch', 'new']);
    const deleted = await admin.delete('/v1/labels/batch');
    expect(deleted.status).toBe(202);
    expect((await waitForJob(h.ds, deleted.body.jobId)).counts).toEqual({ selected: 3, changed: 3 });
    expect((await admin.get('/v1/customers/B-1')).body.labels).toEqual(['new']);
    expect((await admin.delete('/v1/labels/batch')).status).toBe(404);
    const labels = (await admin.get('/v1/labels')).body.items;
    expect(labels).toEqual(
      expect.arrayContaining([
        { name: 'new', customers: 2 },
        { name: 'old', customers: 1 },
      ]),
    );
  });
});

describe('reference data counts', () => {
  it("counts each group's, catalogue's and label's customers, deleted ones not, listed or one by one", async () => {
    const admin = as(acme.tokens.admin);
    await admin.post('/v1/customer-groups', { code: 'QG', name: 'Counted' });
    await admin.post('/v1/catalogues', { code: 'QK', name: 'Counted' });
    await admin.post('/v1/labels', { name: 'unused' });
    for (const number of ['Q-1', 'Q-2', 'Q-3']) {
      await admin.post('/v1/customers', { number, name: number, group: 'QG', catalogue: 'QK', labels: ['q'] });
    }
    expect((await admin.delete('/v1/customers/Q-3')).status).toBe(204);
    const listed = async (url: string, key: string, value: string) =>
      (await admin.get(url)).body.items.find((i: Record<string, unknown>) => i[key] === value)?.customers;
    expect(await listed('/v1/customer-groups', 'code', 'QG')).toBe(2);
    expect(await listed('/v1/catalogues', 'code', 'QK')).toBe(2);
    expect(await listed('/v1/labels', 'name', 'q')).toBe(2);
    expect(await listed('/v1/labels', 'name', 'unused')).toBe(0);
    expect((await admin.patch('/v1/catalogues/QK', { name: 'Still counted' })).body.customers).toBe(2);
    expect((await admin.post('/v1/labels', { name: 'q' })).body).toEqual({ name: 'q', customers: 2 });
  });
});

describe('the OpenAPI Customer schema', () => {
  it('names every field a customer has, and no other, with the nested ones', async () => {
    const admin = as(acme.tokens.admin);
    await admin.post('/v1/customers', { number: 'DOC-1', name: 'Documented', contacts: [{ name: 'Ann' }] });
    const shown = (await admin.get('/v1/customers/DOC-1')).body;
    const doc = (await admin.get('/v1/openapi.json')).body;
    const schema = doc.components.schemas.Customer;
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(shown).sort());
    expect([...schema.required].sort()).toEqual(Object.keys(shown).sort());
    expect(Object.keys(schema.properties.cutoff.properties).sort()).toEqual(Object.keys(shown.cutoff).sort());
    expect(Object.keys(schema.properties.addresses.properties).sort()).toEqual(Object.keys(shown.addresses).sort());
    expect(Object.keys(schema.properties.storeCredit.properties).sort()).toEqual(Object.keys(shown.storeCredit).sort());
    expect(schema.properties.effectiveDeliveryDays.items.enum).toEqual([...DAYS]);
    expect(doc.paths['/v1/customers/{ref}'].get.responses[200].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/Customer',
    });
  });
});
