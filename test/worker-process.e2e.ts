import { sqlRows } from '@customer-hub/db';
import { submitJob } from '@customer-hub/queue';
import {
  createTestAccount,
  createTestEnv,
  type TestAccount,
  type TestEnv,
  waitFor,
  waitForJob,
} from '@customer-hub/testing';
import { canConnect, FAST_RECOVERY, freePort, workerProcesses } from './support/processes';

let env: TestEnv;
let acme: TestAccount;
const workers = workerProcesses(() => env.env);

beforeAll(async () => {
  env = await createTestEnv(FAST_RECOVERY);
  acme = await createTestAccount(env.ds);
});
afterEach(() => workers.stopAll());
afterAll(() => env.cleanup());

const startWorker = (extra: Record<string, string> = {}) => workers.start(extra);

async function submit(steps: number, stepMs: number) {
  const { run } = await submitJob(env, {
    accountId: acme.account.id,
    userId: acme.userIds.admin,
    kind: 'diagnostic',
    params: { steps, stepMs, failAttempts: 0 },
  });
  return run.id;
}

const progressOf = async (id: string) =>
  (await sqlRows<{ p: string }>(env.ds, 'SELECT progress_processed AS p FROM job_runs WHERE id = $1', [id]))[0]!.p;
const ticks = async (id: string) =>
  (
    await sqlRows<{ n: number }>(env.ds, 'SELECT count(*)::int AS n FROM diagnostic_ticks WHERE job_run_id = $1', [id])
  )[0]!.n;
const reachedStep = (id: string, n: number) =>
  waitFor(`job ${id} to pass step ${n}`, async () => (Number(await progressOf(id)) >= n ? true : undefined), 30_000);

describe('worker process', () => {
  it('SIGKILL mid-job: another worker picks the job up and it completes once', async () => {
    const a = startWorker();
    const id = await submit(40, 50);
    await reachedStep(id, 5);
    a.proc.kill('SIGKILL');
    expect(await a.exited).toBe('SIGKILL');
    const before = await ticks(id);
    expect(before).toBeLessThan(40);

    startWorker();
    const run = await waitForJob(env.ds, id, ['succeeded', 'failed'], 30_000);
    expect(run.state).toBe('succeeded');
    expect(run.attempts).toBe(2);
    expect(await ticks(id)).toBe(40);
    expect(run.files.map((f) => f.name)).toEqual(['report.csv']);
    const job = await env.queues.get('diagnostic').getJob(id);
    expect(await job?.getState()).toBe('completed');
  });

  it('SIGTERM: the running job finishes, then the process exits 0', async () => {
    const a = startWorker({ SHUTDOWN_DEADLINE_MS: '20000' });
    const id = await submit(20, 50);
    await reachedStep(id, 3);
    a.proc.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    const run = await waitForJob(env.ds, id, ['succeeded', 'failed'], 1_000);
    expect(run.state).toBe('succeeded');
    expect(run.attempts).toBe(1);
    expect(await ticks(id)).toBe(20);
    expect(a.output()).toContain('workers stopped');
  });

  it('SIGTERM past the deadline: the job goes back to the queue and another worker finishes it', async () => {
    const a = startWorker({ SHUTDOWN_DEADLINE_MS: '300' });
    const id = await submit(100, 50);
    await reachedStep(id, 3);
    a.proc.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    const mid = await waitForJob(env.ds, id, ['queued'], 1_000);
    expect(mid.state).toBe('queued');
    expect(
      await env.queues
        .get('diagnostic')
        .getJob(id)
        .then((j) => j?.getState()),
    ).toBe('waiting');

    startWorker();
    const run = await waitForJob(env.ds, id, ['succeeded', 'failed'], 30_000);
    expect(run.state).toBe('succeeded');
    expect(await ticks(id)).toBe(100);
  });

  it('refuses to start on a database whose migrations are not applied', async () => {
    const applied = await env.ds.query('SELECT timestamp, name FROM migrations');
    await env.ds.query(`DELETE FROM migrations WHERE timestamp = (SELECT max(timestamp) FROM migrations)`);
    try {
      const a = startWorker();
      expect(await a.exited).toBe(1);
      expect(a.output()).toMatch(/migrations are pending: run `npm run migrate`/);
    } finally {
      await env.ds.query('DELETE FROM migrations');
      for (const m of applied)
        await env.ds.query('INSERT INTO migrations (timestamp, name) VALUES ($1, $2)', [m.timestamp, m.name]);
    }
  });

  it('refuses to start with bad configuration, naming the variable', async () => {
    const a = startWorker({ QUEUE_CONCURRENCY_DIAGNOSTIC: 'lots', REDIS_URL: 'http://nope' });
    expect(await a.exited).toBe(1);
    expect(a.output()).toContain('QUEUE_CONCURRENCY_DIAGNOSTIC="lots": must be a whole number >= 1');
    expect(a.output()).toContain('REDIS_URL="http://nope": must be a URL starting with redis:// or rediss://');
  });
});

describe('worker resilience', () => {
  it('recovers without a restart when Postgres drops its connections', async () => {
    const url = new URL(env.env.DATABASE_URL!);
    url.searchParams.set('application_name', 'worker-under-test');
    const a = startWorker({ DATABASE_URL: url.toString() });
    const first = await submit(2, 0);
    await waitForJob(env.ds, first, ['succeeded'], 30_000);
    // Kill every server connection of the worker process, as a Postgres restart or failover would.
    const dropped = await sqlRows<{ ok: boolean }>(
      env.ds,
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
       WHERE datname = current_database() AND application_name = 'worker-under-test'`,
    );
    expect(dropped.length).toBeGreaterThan(0);
    const second = await submit(3, 0);
    const run = await waitForJob(env.ds, second, ['succeeded', 'failed'], 30_000);
    expect(run.state).toBe('succeeded');
    expect(a.proc.exitCode).toBeNull();
  });

  it('warns loudly when Redis may evict queued jobs', async () => {
    const { spawn } = await import('node:child_process');
    const port = await freePort();
    const redis = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--maxmemory-policy', 'allkeys-lru'],
      { stdio: 'ignore' },
    );
    try {
      await waitFor('the second Redis to listen', () => canConnect(port), 10_000);
      const a = startWorker({ REDIS_URL: `redis://127.0.0.1:${port}` });
      await waitFor(
        'the eviction warning',
        async () => (/maxmemory-policy is \\?"allkeys-lru/.test(a.output()) ? true : undefined),
        30_000,
      );
      expect(a.output()).toMatch(/not \\?"noeviction/);
    } finally {
      redis.kill('SIGKILL');
    }
  });
});
