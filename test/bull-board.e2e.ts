import fs from 'node:fs';
import path from 'node:path';
import { createTestAccount, type TestAccount } from '@customer-hub/testing';
import request from 'supertest';
import { bearer, createHarness, type Harness } from './support/harness';

let h: Harness;
let acme: TestAccount;
let jobId: string;

beforeAll(async () => {
  h = await createHarness();
  acme = await createTestAccount(h.ds);
  // No workers: the job stays waiting, so the board has something to show.
  jobId = (await request(h.app).post('/v1/diagnostics').set(bearer(acme.tokens.admin)).send({ steps: 1 })).body.jobId;
});
afterAll(() => h.cleanup());

async function signIn(token: string): Promise<string> {
  const res = await request(h.app).post('/admin/login').type('form').send({ token }).redirects(0);
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe('/admin/queues');
  const cookie = String(res.headers['set-cookie']);
  expect(cookie).toMatch(/hub_session=chs_[\w-]+; Path=\/admin; HttpOnly; SameSite=Strict; Max-Age=\d+/);
  return cookie.split(';')[0]!;
}

describe('Bull Board access', () => {
  it.each(['/admin/queues', '/admin/queues/api/queues', '/admin/queues/queue/diagnostic'])(
    '%s answers 401 without a session',
    async (url) => {
      const res = await request(h.app).get(url);
      expect(res.status).toBe(401);
    },
  );

  it('serves static assets without a session', async () => {
    const js = fs.readdirSync(path.join(require.resolve('@bull-board/ui/package.json'), '..', 'dist/static/js'));
    const file = js.find((f) => f.endsWith('.js'))!;
    const res = await request(h.app).get(`/admin/queues/static/js/${file}`);
    expect(res.status).toBe(200);
  });

  it('shows a sign-in form and refuses a bad token there', async () => {
    const form = await request(h.app).get('/admin/login');
    expect(form.status).toBe(200);
    expect(form.text).toContain('<form method="post" action="/admin/login">');
    const bad = await request(h.app).post('/admin/login').type('form').send({ token: 'chub_wrong' });
    expect(bad.status).toBe(401);
    expect(bad.headers['set-cookie']).toBeUndefined();
  });

  it('does not let staff or customers in', async () => {
    expect((await request(h.app).post('/admin/login').type('form').send({ token: acme.tokens.staff })).status).toBe(
      403,
    );
    expect((await request(h.app).get('/admin/queues/api/queues').set(bearer(acme.tokens.customer))).status).toBe(403);
  });

  it('stores the session only as a hash, and sign-out ends it', async () => {
    const cookie = await signIn(acme.tokens.ops);
    const secret = decodeURIComponent(cookie.split('=')[1]!);
    const rows = await h.ds.query('SELECT encode(session_hash, $1) AS h FROM sessions', ['escape']);
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect((await request(h.app).get('/admin/queues/api/queues').set('Cookie', cookie)).status).toBe(200);
    const out = await request(h.app).post('/admin/logout').set('Cookie', cookie).redirects(0);
    expect(out.status).toBe(303);
    expect((await request(h.app).get('/admin/queues/api/queues').set('Cookie', cookie)).status).toBe(401);
  });
});

describe('Bull Board for ops: read-only', () => {
  let cookie: string;
  beforeAll(async () => {
    cookie = await signIn(acme.tokens.ops);
  });

  it('shows every queue, and job data that carries ids only', async () => {
    const page = await request(h.app).get('/admin/queues').set('Cookie', cookie);
    expect(page.status).toBe(200);
    const res = await request(h.app)
      .get('/admin/queues/api/queues?activeQueue=diagnostic&status=waiting')
      .set('Cookie', cookie);
    expect(res.status).toBe(200);
    const queue = res.body.queues.find((q: { name: string }) => q.name === 'diagnostic');
    expect(queue.readOnlyMode).toBe(true);
    const job = queue.jobs.find((j: { id: string }) => j.id === jobId);
    expect(job.data).toEqual({ jobRunId: jobId, accountId: acme.account.id });
  });

  it.each([
    ['put', '/admin/queues/api/queues/diagnostic/retry/failed'],
    ['put', '/admin/queues/api/queues/diagnostic/clean/completed'],
    ['put', '/admin/queues/api/queues/diagnostic/pause'],
    ['post', '/admin/queues/api/queues/diagnostic/add'],
  ] as const)('%s %s answers 405', async (method, url) => {
    const res = await request(h.app)[method](url).set('Cookie', cookie).send({});
    expect(res.status).toBe(405);
    expect(res.body.error.code).toBe('read_only');
  });
});

describe('Bull Board for admins', () => {
  it('can clean and retry, but not add jobs or edit job data', async () => {
    const cookie = await signIn(acme.tokens.admin);
    const list = await request(h.app).get('/admin/queues/api/queues').set('Cookie', cookie);
    expect(list.body.queues.find((q: { name: string }) => q.name === 'diagnostic').readOnlyMode).toBe(false);
    const clean = await request(h.app).put('/admin/queues/api/queues/diagnostic/clean/completed').set('Cookie', cookie);
    expect(clean.status).toBe(200);
    const retry = await request(h.app).put('/admin/queues/api/queues/diagnostic/retry/failed').set('Cookie', cookie);
    expect(retry.status).toBe(200);
    const add = await request(h.app)
      .post('/admin/queues/api/queues/diagnostic/add')
      .set('Cookie', cookie)
      .send({ name: 'x', data: {} });
    expect(add.status).toBe(405);
    const edit = await request(h.app)
      .put(`/admin/queues/api/queues/diagnostic/${jobId}/update-data`)
      .set('Cookie', cookie)
      .send({ data: {} });
    expect(edit.status).toBe(405);
  });

  it('accepts a bearer token too (for scripts)', async () => {
    const res = await request(h.app).get('/admin/queues/api/queues').set(bearer(acme.tokens.admin));
    expect(res.status).toBe(200);
  });
});
