import { createCustomerLogin, createTestAccount, type TestAccount, waitForJob } from '@customer-hub/testing';
import request from 'supertest';
import { bearer, createHarness, type Harness } from './support/harness';

let h: Harness;
let acme: TestAccount;

const PRODUCTS = [
  'sku,name,Allergens,Pack size,Price',
  'P1,Oat milk,none,6x1l,12.50',
  'P2,"Flour, strong",gluten,16kg,-3',
  'P3,=cmd|calc,"@SUM(A1)",+1+1,=1+2',
  'P4,Unbought,none,1,1',
].join('\n');

async function job(path: string, token: string, body: object) {
  const res = await request(h.app).post(path).set(bearer(token)).send(body);
  expect(res.status).toBe(202);
  const run = await waitForJob(h.ds, res.body.jobId);
  expect({ state: run.state, error: run.error }).toEqual({ state: 'succeeded', error: null });
  return run;
}
const download = (run: { id: string }, token: string) =>
  request(h.app)
    .get(`/v1/jobs/${run.id}/files/export.csv`)
    .set(bearer(token))
    .buffer(true)
    .parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });

beforeAll(async () => {
  h = await createHarness();
  acme = await createTestAccount(h.ds);
  await h.startWorkers();
  const upload = async (path: string, body: string) => {
    const res = await request(h.app)
      .post(path)
      .set(bearer(acme.tokens.admin))
      .set('Content-Type', 'text/csv')
      .send(body);
    expect((await waitForJob(h.ds, res.body.jobId)).state).toBe('succeeded');
  };
  await upload('/v1/imports/products', PRODUCTS);
  await upload('/v1/purchase-histories', 'customer,product\nC-1,P1\nC-1,P3\nC-2,P2\n');
});
afterAll(() => h.cleanup());

describe('product export', () => {
  it('exports every product with its data columns in file order, formula-safe, into an expiring file', async () => {
    const run = await job('/v1/exports', acme.tokens.staff, { kind: 'products' });
    expect(run.counts).toEqual({ rows: 4 });
    expect(run.progressProcessed).toBe(4);
    expect(Date.parse(run.files[0]!.expiresAt!)).toBeGreaterThan(Date.now() + 71 * 3600_000);
    const res = await download(run, acme.tokens.staff);
    expect(res.status).toBe(200);
    expect(res.body.toString('utf8').split('\n')).toEqual([
      'product code,name,Allergens,Pack size,Price',
      'P1,Oat milk,none,6x1l,12.50',
      'P2,"Flour, strong",gluten,16kg,-3',
      `P3,'=cmd|calc,'@SUM(A1),'+1+1,'=1+2`,
      'P4,Unbought,none,1,1',
      '',
    ]);
  });

  it("exports only the products in one customer's purchase history, with a BOM when asked", async () => {
    const run = await job('/v1/exports', acme.tokens.admin, { kind: 'products', customerRef: 'C-1', bom: true });
    const body = (await download(run, acme.tokens.admin)).body as Buffer;
    expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(
      body
        .toString('utf8')
        .slice(1)
        .split('\n')
        .map((l) => l.split(',')[0]),
    ).toEqual(['product code', 'P1', 'P3', '']);
  });

  it('refuses unknown kinds and fields', async () => {
    const res = await request(h.app).post('/v1/exports').set(bearer(acme.tokens.admin)).send({ kind: 'everything' });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].field).toBe('body.kind');
  });

  it('answers 410 once the file has expired, and the sweeper deletes it', async () => {
    const run = await job('/v1/exports', acme.tokens.admin, { kind: 'products' });
    await h.ds.query(
      `UPDATE job_runs SET files = jsonb_set(files, '{0,expiresAt}', to_jsonb((now() - interval '1 minute')::text)) WHERE id = $1`,
      [run.id],
    );
    const res = await request(h.app).get(`/v1/jobs/${run.id}/files/export.csv`).set(bearer(acme.tokens.admin));
    expect(res.status).toBe(410);
    expect(res.body.error.code).toBe('file_expired');
    const key = run.files[0]!.key;
    expect(await h.files.deleteExpired(new Date(Date.now() + 71 * 3600_000))).toBe(0);
    expect(await h.files.deleteExpired(new Date(Date.now() + 73 * 3600_000))).toBeGreaterThan(0);
    expect(await h.files.stat(key)).toBeNull();
  });
});

describe('customer self-serve', () => {
  it('a customer exports the product data of their own purchase history and downloads it', async () => {
    const run = await job('/v1/me/exports', acme.tokens.customer, {});
    expect(run.params).toMatchObject({ customerRef: 'C-1' });
    expect((await request(h.app).get(`/v1/jobs/${run.id}`).set(bearer(acme.tokens.customer))).status).toBe(200);
    const body = (await download(run, acme.tokens.customer)).body.toString('utf8');
    expect(body.split('\n').map((l: string) => l.split(',')[0])).toEqual(['product code', 'P1', 'P3', '']);
  });

  it("a customer can't reach another customer's export, job, file or history", async () => {
    const run = await job('/v1/me/exports', acme.tokens.customer, {});
    const other = await createCustomerLogin(h.ds, acme.account.id, 'C-2');
    expect((await request(h.app).get(`/v1/jobs/${run.id}`).set(bearer(other.token))).status).toBe(404);
    expect((await request(h.app).get(`/v1/jobs/${run.id}/files/export.csv`).set(bearer(other.token))).status).toBe(404);
    expect((await request(h.app).get('/v1/jobs').set(bearer(other.token))).body.items).toEqual([]);
    const own = await job('/v1/me/exports', other.token, {});
    const body = (await download(own, other.token)).body.toString('utf8');
    expect(body.split('\n').map((l: string) => l.split(',')[0])).toEqual(['product code', 'P2', '']);
  });

  it.each([
    ['post', '/v1/exports'],
    ['get', '/v1/purchase-histories'],
    ['get', '/v1/purchase-histories/current/customers/C-2'],
    ['get', '/v1/purchase-histories/current/file'],
    ['get', '/v1/products'],
  ] as const)('a customer may not %s %s', async (method, path) => {
    const res = await request(h.app)
      [method](path)
      .set(bearer(acme.tokens.customer))
      .send({ kind: 'products', customerRef: 'C-2' });
    expect(res.status).toBe(403);
  });

  it('operators have no self-serve export', async () => {
    expect((await request(h.app).post('/v1/me/exports').set(bearer(acme.tokens.admin)).send({})).status).toBe(403);
  });
});

describe('products API', () => {
  it('lists and finds products of the account only', async () => {
    const list = await request(h.app).get('/v1/products?search=P&limit=2').set(bearer(acme.tokens.staff));
    expect(list.body.items.map((p: { code: string }) => p.code)).toEqual(['P1', 'P2']);
    const next = await request(h.app)
      .get(`/v1/products?search=P&limit=2&cursor=${list.body.nextCursor}`)
      .set(bearer(acme.tokens.staff));
    expect(next.body.items.map((p: { code: string }) => p.code)).toEqual(['P3', 'P4']);
    // A code typed in lower case finds it in capitals; a name in either case.
    const typed = await request(h.app).get('/v1/products?search=p2').set(bearer(acme.tokens.staff));
    expect(typed.body.items.map((p: { code: string }) => p.code)).toEqual(['P2']);
    const named = await request(h.app).get('/v1/products?search=FLOUR').set(bearer(acme.tokens.staff));
    expect(named.body.items.map((p: { code: string }) => p.code)).toEqual(['P2']);
    const one = await request(h.app).get('/v1/products/P2').set(bearer(acme.tokens.staff));
    expect(one.body).toMatchObject({
      code: 'P2',
      name: 'Flour, strong',
      data: { Allergens: 'gluten', 'Pack size': '16kg', Price: '-3' },
    });
    const stranger = await createTestAccount(h.ds);
    expect((await request(h.app).get('/v1/products/P2').set(bearer(stranger.tokens.admin))).status).toBe(404);
  });

  it('re-importing the same file changes nothing and says so', async () => {
    const res = await request(h.app)
      .post('/v1/imports/products')
      .set(bearer(acme.tokens.admin))
      .set('Content-Type', 'text/csv')
      .send(PRODUCTS);
    const run = await waitForJob(h.ds, res.body.jobId);
    expect(run.counts).toMatchObject({ created: 0, updated: 0, unchanged: 4, rejected: 0 });
  });
});

describe('formula-safe cells', () => {
  it('neutralise the same values in SQL as in code', async () => {
    const { safeCell, safeCellSql, textCell } = await import('@customer-hub/csv');
    // A text cell (XLSX) runs nothing: only apostrophes before a formula character get one more.
    expect(["'=x", '=x', "'plain", "''-1"].map(textCell)).toEqual(["''=x", '=x', "'plain", "'''-1"]);
    const values = [
      '=1+2',
      '+SUM(A1)',
      '-2+3',
      '@cmd',
      '\tx',
      '\rx',
      '-3',
      '+1.5',
      '-0,5',
      'plain',
      '',
      'a=b',
      '=',
      '-',
      "'=x",
      "''+1",
      "'-3",
      "'plain",
      "'",
    ];
    // A value already starting with apostrophes before a formula character gets one more, so one comes off.
    expect(["'=x", "'plain", '=x', '-3'].map(safeCell)).toEqual(["''=x", "'plain", "'=x", '-3']);
    for (const v of values) {
      const [row] = await h.ds.query(`SELECT ${safeCellSql('$1::text')} AS out`, [v]);
      expect({ v, out: row.out }).toEqual({ v, out: safeCell(v) });
    }
  });
});
