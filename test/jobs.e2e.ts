import { sqlRows } from '@customer-hub/db';
import { defineProcessor, reconcileJobs } from '@customer-hub/queue';
import { createTestAccount, type TestAccount, waitFor, waitForJob } from '@customer-hub/testing';
import { processors } from '@customer-hub/worker';
import request from 'supertest';
import { bearer, createHarness, type Harness } from './support/harness';

let h: Harness;
let acme: TestAccount;

beforeAll(async () => {
  h = await createHarness();
  acme = await createTestAccount(h.ds);
  await h.startWorkers();
});
afterAll(() => h.cleanup());

const submit = (body: object, headers: Record<string, string> = {}) =>
  request(h.app).post('/v1/diagnostics').set(bearer(acme.tokens.admin)).set(headers).send(body);

const ticks = async (jobId: string) =>
  (
    await sqlRows<{ n: number }>(h.ds, 'SELECT count(*)::int AS n FROM diagnostic_ticks WHERE job_run_id = $1', [jobId])
  )[0]!.n;

describe('a job end to end', () => {
  it('answers 202 with the job id, runs on a worker, reports progress and a downloadable file', async () => {
    // A key it does not know is refused, in the body or (with a JSON body) in the query.
    expect((await submit({ steps: 5, stpes: 2 })).body.error.details).toEqual([
      { field: 'body', message: 'Unrecognized key: "stpes"' },
    ]);
    const queried = await request(h.app).post('/v1/diagnostics?steps=2').set(bearer(acme.tokens.admin)).send({});
    expect(queried.body.error.details).toEqual([{ field: 'query', message: 'Unrecognized key: "steps"' }]);
    const res = await submit({ steps: 5, stepMs: 20 });
    expect(res.status).toBe(202);
    expect(res.body.jobId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.location).toBe(`/v1/jobs/${res.body.jobId}`);

    const seen = new Set<number>();
    await waitFor('progress to be reported', async () => {
      const r = await request(h.app).get(`/v1/jobs/${res.body.jobId}`).set(bearer(acme.tokens.admin));
      seen.add(r.body.progress.processed);
      return r.body.state === 'succeeded' ? true : undefined;
    });
    expect([...seen].some((n) => n > 0 && n < 5)).toBe(true);

    const job = (await request(h.app).get(`/v1/jobs/${res.body.jobId}`).set(bearer(acme.tokens.admin))).body;
    expect(job).toMatchObject({
      kind: 'diagnostic',
      state: 'succeeded',
      progress: { processed: 5, total: 5 },
      counts: { steps: 5 },
      submittedBy: acme.userIds.admin,
      attempts: 1,
    });
    expect(Date.parse(job.startedAt)).toBeLessThanOrEqual(Date.parse(job.finishedAt));
    expect(job.files).toEqual([
      expect.objectContaining({ name: 'report.csv', url: `/v1/jobs/${job.id}/files/report.csv` }),
    ]);

    const file = await request(h.app).get(job.files[0].url).set(bearer(acme.tokens.admin));
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toMatch(/^text\/csv/);
    expect(file.text).toContain('steps,5');
  });

  it('streams an uploaded file through the worker and counts its lines', async () => {
    const body = 'ref,code\nC1,P1\nC2,P2\n';
    const res = await request(h.app)
      .post('/v1/diagnostics?steps=1')
      .set(bearer(acme.tokens.admin))
      .set('Content-Type', 'text/csv')
      .send(body);
    expect(res.status).toBe(202);
    const run = await waitForJob(h.ds, res.body.jobId);
    expect(run.state).toBe('succeeded');
    expect(run.counts).toEqual({ steps: 1, lines: 3, bytes: Buffer.byteLength(body) });
    // What it was asked, without the stored upload's key.
    const job = (await request(h.app).get(`/v1/jobs/${res.body.jobId}`).set(bearer(acme.tokens.admin))).body;
    expect(job.request).toEqual({ steps: 1, stepMs: 0, failAttempts: 0 });
  });

  it('retries a transient fault with backoff and does not double the work', async () => {
    const res = await submit({ steps: 6, failAttempts: 2 });
    const run = await waitForJob(h.ds, res.body.jobId);
    expect(run.state).toBe('succeeded');
    expect(run.attempts).toBe(3);
    expect(await ticks(run.id)).toBe(6);
    expect(run.error).toBeNull();
  });

  it('fails for good when every attempt fails, keeping the last error', async () => {
    const res = await submit({ steps: 2, failAttempts: 10 });
    const run = await waitForJob(h.ds, res.body.jobId);
    expect(run.state).toBe('failed');
    expect(run.attempts).toBe(h.config.jobs.attempts);
    expect(run.error?.message).toMatch(/simulated transient fault/);
    const api = await request(h.app).get(`/v1/jobs/${run.id}`).set(bearer(acme.tokens.admin));
    expect(api.body.error).toEqual({ code: 'job_error', message: expect.stringMatching(/simulated/) });
  });

  it('fails at once, without retries, when its input is missing', async () => {
    const res = await request(h.app)
      .post('/v1/diagnostics?steps=1')
      .set(bearer(acme.tokens.admin))
      .set('Content-Type', 'text/csv')
      .send('a\n');
    // The upload vanishes before the worker reads it: bad input for the whole job.
    const run0 = await waitForJob(h.ds, res.body.jobId, ['succeeded', 'failed']);
    expect(run0.state).toBe('succeeded');
    const key = (run0.params as { inputFile: string }).inputFile;
    await h.files.delete(key);
    await h.ds.query(`UPDATE job_runs SET state = 'queued', finished_at = NULL WHERE id = $1`, [run0.id]);
    await h.queues
      .get('diagnostic')
      .add('diagnostic', { jobRunId: run0.id, accountId: acme.account.id }, { jobId: `${run0.id}-again` });
    const run = await waitForJob(h.ds, run0.id, ['failed']);
    expect(run.error).toEqual({ code: 'invalid_input', message: expect.stringMatching(/input file .* is missing/) });
    expect(run.attempts).toBe(2);
  });
});

describe('Idempotency-Key', () => {
  it('returns the same job for the same key, and a new one for another key', async () => {
    const a = await submit({ steps: 1 }, { 'Idempotency-Key': 'nightly-2026-11-22' });
    const b = await submit({ steps: 1 }, { 'Idempotency-Key': 'nightly-2026-11-22' });
    const c = await submit({ steps: 1 }, { 'Idempotency-Key': 'nightly-2026-11-23' });
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(b.body.jobId).toBe(a.body.jobId);
    expect(c.body.jobId).not.toBe(a.body.jobId);
    const n = await sqlRows<{ n: number }>(
      h.ds,
      `SELECT count(*)::int AS n FROM job_runs WHERE idempotency_key LIKE 'nightly-%'`,
    );
    expect(n[0]!.n).toBe(2);
  });

  it('is per account: another account with the same key gets its own job', async () => {
    const other = await createTestAccount(h.ds);
    const a = await submit({ steps: 1 }, { 'Idempotency-Key': 'shared-key' });
    const b = await request(h.app)
      .post('/v1/diagnostics')
      .set(bearer(other.tokens.admin))
      .set('Idempotency-Key', 'shared-key')
      .send({ steps: 1 });
    expect(b.status).toBe(202);
    expect(b.body.jobId).not.toBe(a.body.jobId);
  });

  it('rejects a malformed key', async () => {
    const res = await submit({ steps: 1 }, { 'Idempotency-Key': 'x'.repeat(300) });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_idempotency_key');
  });
});

describe('cancel', () => {
  it('stops a running job at its next checkpoint; it publishes nothing', async () => {
    const res = await submit({ steps: 200, stepMs: 20 });
    await waitFor('job to be running with progress', async () => {
      const r = await request(h.app).get(`/v1/jobs/${res.body.jobId}`).set(bearer(acme.tokens.admin));
      return r.body.progress.processed > 2 ? true : undefined;
    });
    const cancel = await request(h.app).post(`/v1/jobs/${res.body.jobId}/cancel`).set(bearer(acme.tokens.staff));
    expect(cancel.status).toBe(202);
    expect(cancel.body.cancelRequested).toBe(true);
    const run = await waitForJob(h.ds, res.body.jobId);
    expect(run.state).toBe('cancelled');
    expect(run.files).toEqual([]);
    expect(run.counts).toEqual({});
    const again = await request(h.app).post(`/v1/jobs/${res.body.jobId}/cancel`).set(bearer(acme.tokens.admin));
    expect(again.status).toBe(409);
  });

  it('cancels a queued job at once and takes it off the queue', async () => {
    const rt = h.startWorkers; // workers are running; block the queue with a long job first
    expect(rt).toBeDefined();
    await h.queues.get('diagnostic').pause();
    try {
      const res = await submit({ steps: 1 });
      const cancel = await request(h.app).post(`/v1/jobs/${res.body.jobId}/cancel`).set(bearer(acme.tokens.admin));
      expect(cancel.status).toBe(200);
      expect(cancel.body.state).toBe('cancelled');
      expect(await h.queues.get('diagnostic').getJob(res.body.jobId)).toBeUndefined();
    } finally {
      await h.queues.get('diagnostic').resume();
    }
  });
});

describe('listing', () => {
  it('filters by kind and state and pages with a cursor, newest first', async () => {
    const other = await createTestAccount(h.ds);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(
        (await request(h.app).post('/v1/diagnostics').set(bearer(other.tokens.admin)).send({ steps: 0 })).body.jobId,
      );
    for (const id of ids) await waitForJob(h.ds, id);
    const p1 = await request(h.app)
      .get('/v1/jobs?limit=2&state=succeeded&kind=diagnostic')
      .set(bearer(other.tokens.ops));
    expect(p1.status).toBe(200);
    expect(p1.body.items.map((j: { id: string }) => j.id)).toEqual([ids[4], ids[3]]);
    const p2 = await request(h.app).get(`/v1/jobs?limit=2&cursor=${p1.body.nextCursor}`).set(bearer(other.tokens.ops));
    const p3 = await request(h.app).get(`/v1/jobs?limit=2&cursor=${p2.body.nextCursor}`).set(bearer(other.tokens.ops));
    expect(p2.body.items.map((j: { id: string }) => j.id)).toEqual([ids[2], ids[1]]);
    expect(p3.body.items.map((j: { id: string }) => j.id)).toEqual([ids[0]]);
    expect(p3.body.nextCursor).toBeNull();
    const failed = await request(h.app).get('/v1/jobs?state=failed').set(bearer(other.tokens.ops));
    expect(failed.body.items).toEqual([]);
  });

  it('rejects unknown filters and foreign cursors with 400', async () => {
    const bad = await request(h.app).get('/v1/jobs?state=exploded').set(bearer(acme.tokens.admin));
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_query');
    expect(bad.body.error.details[0].field).toBe('query.state');
    const cursor = await request(h.app).get('/v1/jobs?cursor=not-ours').set(bearer(acme.tokens.admin));
    expect(cursor.status).toBe(400);
  });
});

describe('reconciler', () => {
  it('re-enqueues a queued job_run that Redis lost, and it then runs once', async () => {
    const res = await submit({ steps: 3 });
    await waitForJob(h.ds, res.body.jobId);
    // A job_run recorded in Postgres whose Redis job is gone (as after a Redis restart without persistence).
    const [row] = await sqlRows<{ id: string }>(
      h.ds,
      `INSERT INTO job_runs (account_id, kind, params, submitted_by, created_at)
       VALUES ($1, 'diagnostic', '{"steps":3,"stepMs":0,"failAttempts":0}', $2, now() - interval '10 minutes') RETURNING id`,
      [acme.account.id, acme.userIds.admin],
    );
    const { requeued } = await reconcileJobs(h.deps, 60_000);
    expect(requeued).toEqual([row!.id]);
    const run = await waitForJob(h.ds, row!.id);
    expect(run.state).toBe('succeeded');
    expect(await ticks(row!.id)).toBe(3);
    expect((await reconcileJobs(h.deps, 60_000)).requeued).toEqual([]);
  });
});

describe('a finished job', () => {
  it('is stamped when the work it applies as it settles is done, not when settling began', async () => {
    // A harness of its own: its diagnostic jobs apply half a second of work as they settle.
    const slow = await createHarness();
    try {
      const account = await createTestAccount(slow.ds);
      const slowCommit = defineProcessor('diagnostic', async () => ({
        commit: async (m) => {
          await m.query('SELECT pg_sleep(0.5)');
        },
      }));
      await slow.startWorkers([...processors.filter((p) => p.kind !== 'diagnostic'), slowCommit]);
      const res = await request(slow.app).post('/v1/diagnostics').set(bearer(account.tokens.admin)).send({ steps: 1 });
      const run = await waitForJob(slow.ds, res.body.jobId);
      expect(run.state).toBe('succeeded');
      expect(run.finishedAt!.getTime() - run.startedAt!.getTime()).toBeGreaterThanOrEqual(500);
    } finally {
      await slow.cleanup();
    }
  });
});
