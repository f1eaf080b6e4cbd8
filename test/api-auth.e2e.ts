import { ApiTokenEntity } from '@customer-hub/db';
import { createCustomerLogin, createTestAccount, type TestAccount, waitForJob } from '@customer-hub/testing';
import request from 'supertest';
import { bearer, createHarness, type Harness } from './support/harness';

let h: Harness;
let acme: TestAccount;
let globex: TestAccount;
let acmeJob: string;

beforeAll(async () => {
  h = await createHarness();
  acme = await createTestAccount(h.ds);
  globex = await createTestAccount(h.ds);
  await h.startWorkers();
  acmeJob = (await request(h.app).post('/v1/diagnostics').set(bearer(acme.tokens.admin)).send({ steps: 1 })).body.jobId;
  await waitForJob(h.ds, acmeJob);
});
afterAll(() => h.cleanup());

describe('authentication', () => {
  it.each([
    ['no header', {}],
    ['an unknown token', bearer('chub_not-a-real-token')],
    ['a malformed header', { Authorization: 'Basic abc' }],
  ])('answers 401 with %s', async (_what, headers) => {
    const res = await request(h.app).get('/v1/jobs').set(headers);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
  });

  it('refuses a revoked token at once', async () => {
    const issued = await request(h.app)
      .post('/v1/tokens')
      .set(bearer(acme.tokens.admin))
      .send({ userId: acme.userIds.ops, name: 'short-lived' });
    expect(issued.status).toBe(201);
    // A token has its user's role: one asked for with another is refused, not issued with the role dropped.
    const withRole = await request(h.app)
      .post('/v1/tokens')
      .set(bearer(acme.tokens.admin))
      .send({ userId: acme.userIds.ops, name: 'as admin', role: 'admin' });
    expect([withRole.status, withRole.body.error.details]).toEqual([
      400,
      [{ field: 'body', message: 'Unrecognized key: "role"' }],
    ]);
    expect((await request(h.app).get('/v1/me').set(bearer(issued.body.token))).status).toBe(200);
    expect((await request(h.app).delete(`/v1/tokens/${issued.body.id}`).set(bearer(acme.tokens.admin))).status).toBe(
      204,
    );
    expect((await request(h.app).get('/v1/me').set(bearer(issued.body.token))).status).toBe(401);
  });

  it('refuses an expired token', async () => {
    const issued = await request(h.app)
      .post('/v1/tokens')
      .set(bearer(acme.tokens.admin))
      .send({ userId: acme.userIds.staff, name: 'expiring', expiresInDays: 1 });
    await h.ds.query(`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [issued.body.id]);
    expect((await request(h.app).get('/v1/me').set(bearer(issued.body.token))).status).toBe(401);
  });

  it('stores tokens only as hashes, and records when each was last used', async () => {
    const rows = await h.ds.getRepository(ApiTokenEntity).find();
    const stored = JSON.stringify(rows.map((r) => ({ ...r, tokenHash: r.tokenHash.toString('hex') })));
    for (const t of Object.values(acme.tokens)) expect(stored).not.toContain(t.slice(5));
    const admin = rows.find((r) => r.userId === acme.userIds.admin);
    expect(admin?.lastUsedAt).toBeInstanceOf(Date);
    const list = await request(h.app).get('/v1/tokens').set(bearer(acme.tokens.admin));
    expect(JSON.stringify(list.body)).not.toMatch(/tokenHash|chub_[A-Za-z0-9_-]{20,}/);
  });

  it('tells the caller who they are', async () => {
    const res = await request(h.app).get('/v1/me').set(bearer(acme.tokens.ops));
    expect(res.body).toMatchObject({ role: 'ops', account: { id: acme.account.id } });
  });
});

describe('roles (deny by default)', () => {
  it.each([
    ['staff', 'post', '/v1/diagnostics', 403],
    ['ops', 'post', '/v1/diagnostics', 403],
    ['customer', 'post', '/v1/diagnostics', 403],
    ['ops', 'post', '/v1/jobs/00000000-0000-4000-8000-000000000000/cancel', 403],
    ['customer', 'post', '/v1/jobs/00000000-0000-4000-8000-000000000000/cancel', 403],
    ['staff', 'get', '/v1/tokens', 403],
    ['ops', 'get', '/v1/tokens', 403],
    ['customer', 'get', '/metrics', 403],
    ['staff', 'get', '/metrics', 403],
    ['ops', 'get', `/v1/jobs/:job/files/report.csv`, 403],
    ['ops', 'get', '/v1/jobs', 200],
    ['ops', 'get', '/metrics', 200],
    ['staff', 'get', '/v1/jobs', 200],
  ] as const)('%s: %s %s → %i', async (role, method, path, status) => {
    const res = await request(h.app)[method](path.replace(':job', acmeJob)).set(bearer(acme.tokens[role])).send({});
    expect(res.status).toBe(status);
    if (status === 403) expect(res.body.error.code).toBe('forbidden');
  });
});

describe('account isolation: another account gets 404, never 403', () => {
  it.each([
    ['get', '/v1/jobs/:job'],
    ['post', '/v1/jobs/:job/cancel'],
    ['get', '/v1/jobs/:job/files/report.csv'],
  ] as const)("%s %s of another account's job", async (method, path) => {
    const res = await request(h.app)[method](path.replace(':job', acmeJob)).set(bearer(globex.tokens.admin));
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it("cannot revoke another account's token", async () => {
    const [acmeToken] = await h.ds
      .getRepository(ApiTokenEntity)
      .findBy({ accountId: acme.account.id, userId: acme.userIds.staff });
    const res = await request(h.app).delete(`/v1/tokens/${acmeToken!.id}`).set(bearer(globex.tokens.admin));
    expect(res.status).toBe(404);
    expect((await request(h.app).get('/v1/me').set(bearer(acme.tokens.staff))).status).toBe(200);
  });

  it("cannot issue a token for another account's user", async () => {
    const res = await request(h.app)
      .post('/v1/tokens')
      .set(bearer(globex.tokens.admin))
      .send({ userId: acme.userIds.admin, name: 'steal' });
    expect(res.status).toBe(404);
  });

  it("does not list another account's jobs", async () => {
    const res = await request(h.app).get('/v1/jobs').set(bearer(globex.tokens.admin));
    expect(res.body.items.map((j: { id: string }) => j.id)).not.toContain(acmeJob);
  });

  it('a customer sees only the jobs they submitted, not those of staff or other customers', async () => {
    const other = await createCustomerLogin(h.ds, acme.account.id, 'C-2');
    expect((await request(h.app).get(`/v1/jobs/${acmeJob}`).set(bearer(acme.tokens.customer))).status).toBe(404);
    expect((await request(h.app).get(`/v1/jobs/${acmeJob}/files/report.csv`).set(bearer(other.token))).status).toBe(
      404,
    );
    const list = await request(h.app).get('/v1/jobs').set(bearer(acme.tokens.customer));
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([]);
  });

  it('a path id that is not a UUID is simply not found', async () => {
    const res = await request(h.app).get('/v1/jobs/../../etc/passwd').set(bearer(acme.tokens.admin));
    expect(res.status).toBe(404);
    expect((await request(h.app).get('/v1/jobs/42').set(bearer(acme.tokens.admin))).status).toBe(404);
  });
});

describe('error shape and hardening', () => {
  it('answers unknown routes with the error shape', async () => {
    const res = await request(h.app).get('/v1/nothing-here').set(bearer(acme.tokens.admin));
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
  });

  it('answers malformed JSON with 400 and the error shape', async () => {
    const res = await request(h.app)
      .post('/v1/diagnostics')
      .set(bearer(acme.tokens.admin))
      .set('Content-Type', 'application/json')
      .send('{"steps": ');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('malformed_json');
  });

  it('answers a JSON body over the limit with 413', async () => {
    const res = await request(h.app)
      .post('/v1/diagnostics')
      .set(bearer(acme.tokens.admin))
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ steps: 1, pad: 'x'.repeat(h.config.http.jsonBodyLimitBytes) }));
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('says which field is wrong', async () => {
    const res = await request(h.app).post('/v1/diagnostics').set(bearer(acme.tokens.admin)).send({ steps: -1 });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_body', details: [{ field: 'body.steps' }] });
  });

  it('sets security headers and a request id, echoing a sane incoming one', async () => {
    const res = await request(h.app).get('/v1/me').set(bearer(acme.tokens.admin)).set('X-Request-Id', 'trace-123');
    expect(res.headers['x-request-id']).toBe('trace-123');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
    const fresh = await request(h.app)
      .get('/v1/me')
      .set(bearer(acme.tokens.admin))
      .set('X-Request-Id', 'bad id with spaces');
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
