import { createTestAccount, type TestAccount, waitFor, waitForJob } from '@customer-hub/testing';
import request from 'supertest';
import { bearer, createHarness, type Harness } from './support/harness';

let h: Harness;
let acme: TestAccount;

beforeAll(async () => {
  h = await createHarness({ JOB_KEEP_COMPLETED_COUNT: '1', JOB_KEEP_FAILED_COUNT: '1', JOB_ATTEMPTS: '1' });
  acme = await createTestAccount(h.ds);
  await h.startWorkers();
});
afterAll(() => h.cleanup());

it('trims finished jobs from Redis by count while job_runs keeps the whole history', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await request(h.app).post('/v1/diagnostics').set(bearer(acme.tokens.admin)).send({ steps: 0 });
    ids.push(res.body.jobId);
    await waitForJob(h.ds, res.body.jobId);
  }
  const failed = (
    await request(h.app).post('/v1/diagnostics').set(bearer(acme.tokens.admin)).send({ steps: 1, failAttempts: 1 })
  ).body.jobId;
  await waitForJob(h.ds, failed);
  const queue = h.queues.get('diagnostic');
  await waitFor('Redis to keep one completed job', async () =>
    (await queue.getJobCounts('completed')).completed === 1 ? true : undefined,
  );
  expect((await queue.getJobCounts('failed')).failed).toBe(1);
  expect(await queue.getJob(ids[0]!)).toBeUndefined();
  const list = await request(h.app).get('/v1/jobs').set(bearer(acme.tokens.admin));
  expect(list.body.items.map((j: { state: string }) => j.state)).toEqual([
    'failed',
    'succeeded',
    'succeeded',
    'succeeded',
  ]);
});
