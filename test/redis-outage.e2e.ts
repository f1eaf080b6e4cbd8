import { spawn } from 'node:child_process';
import { createTestAccount, freePort, type TestAccount, waitFor, waitForJob } from '@customer-hub/testing';
import IORedis from 'ioredis';
import request from 'supertest';
import { bearer, createHarness, type Harness } from './support/harness';

/** A private Redis for this file only, so stopping it disturbs nobody else. */
let port: number;
let redisProc: ReturnType<typeof spawn> | undefined;

async function startRedis() {
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  redisProc = proc;
  // What it said, for the error if it never answers.
  let said = '';
  const keep = (d: Buffer) => {
    said = (said + d).slice(-2000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  await waitFor('the private redis to answer', async () => {
    if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}: ${said}`);
    // disconnectTimeout 0: after a failed connect, ioredis's disconnect would leave a 2 s timer keeping the
    // file's worker alive after its tests.
    const probe = new IORedis({
      port,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      disconnectTimeout: 0,
    });
    probe.on('error', () => {});
    try {
      await probe.connect();
      return (await probe.ping()) === 'PONG' ? true : undefined;
    } catch {
      return undefined;
    } finally {
      probe.disconnect();
    }
  });
  proc.stdout!.removeListener('data', keep);
  proc.stderr!.removeListener('data', keep);
  proc.stdout!.resume();
  proc.stderr!.resume();
}

async function stopRedis() {
  const p = redisProc;
  if (!p || p.exitCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGKILL');
  await exited;
}

let h: Harness;
let acme: TestAccount;

beforeAll(async () => {
  port = await freePort();
  await startRedis();
  h = await createHarness({ REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_COMMAND_TIMEOUT_MS: '1000' });
  acme = await createTestAccount(h.ds);
  await h.startWorkers();
});
afterAll(async () => {
  await h?.cleanup();
  await stopRedis();
});

const submit = () => request(h.app).post('/v1/diagnostics').set(bearer(acme.tokens.admin)).send({ steps: 2 });
const jobCount = async () => (await h.ds.query('SELECT count(*)::int AS n FROM job_runs'))[0].n as number;

it('answers 503 while Redis is down, leaves no orphan job, and workers resume when it is back', async () => {
  const first = await submit();
  expect(first.status).toBe(202);
  expect((await waitForJob(h.ds, first.body.jobId)).state).toBe('succeeded');

  await stopRedis();
  const before = await jobCount();
  const down = await submit();
  expect(down.status).toBe(503);
  expect(down.body.error.code).toBe('queue_unavailable');
  expect(await jobCount()).toBe(before);
  expect((await request(h.app).get('/readyz')).status).toBe(503);
  // Reading jobs needs only Postgres and keeps working.
  expect((await request(h.app).get(`/v1/jobs/${first.body.jobId}`).set(bearer(acme.tokens.admin))).status).toBe(200);

  await startRedis();
  const accepted = await waitFor('the API to accept jobs again', async () => {
    const res = await submit();
    return res.status === 202 ? res : undefined;
  });
  const run = await waitForJob(h.ds, accepted.body.jobId, ['succeeded', 'failed'], 30_000);
  expect(run.state).toBe('succeeded');
  expect((await request(h.app).get('/readyz')).status).toBe(200);
});
