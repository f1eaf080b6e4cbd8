import { createTestEnv, databaseUrl, dropTestDatabase, type TestEnv, uniqueName, waitFor } from '@customer-hub/testing';
import { Client } from 'pg';
import { type Child, ensureStopped, spawnTs } from './support/processes';

let env: TestEnv;
let child: Child | undefined;
beforeAll(async () => {
  env = await createTestEnv();
});
afterEach(() => ensureStopped(child));
afterAll(() => env.cleanup());

const banner = (c: Child) =>
  waitFor('the start banner', async () => (c.output().includes('Customer Hub is running.') ? true : undefined), 30_000);

describe('npm start', () => {
  it('creates the database, migrates, makes the demo account, prints its token and URLs, stops on SIGTERM', async () => {
    const db = uniqueName('hub_test_start');
    const freshEnv = { ...env.env, DATABASE_URL: databaseUrl(db), PORT: '0' };
    try {
      child = spawnTs('scripts/start.ts', freshEnv);
      await banner(child);
      const out = child.output();
      expect(out).toMatch(/API: +http:\/\/127\.0\.0\.1:\d+\/v1/);
      expect(out).toMatch(/Bull Board: +http:\/\/127\.0\.0\.1:\d+\/admin\/queues/);
      const token = out.match(/Demo admin token \(shown once; keep it\):\s+(chub_[\w-]{43})/)?.[1];
      expect(token).toBeDefined();
      // The server's /metrics carries the process's own metrics beside the HTTP ones.
      const api = out.match(/API: +(http:\/\/127\.0\.0\.1:\d+)\/v1/)![1]!;
      const metrics = await fetch(`${api}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
      expect(metrics.status).toBe(200);
      const text = await metrics.text();
      expect(text).toMatch(/^hub_api_process_cpu_seconds_total \d/m);
      expect(text).toMatch(/^hub_api_nodejs_eventloop_lag_p99_seconds \d/m);
      expect(text).toMatch(/^hub_api_nodejs_heap_size_used_bytes \d/m);
      const client = new Client({ connectionString: databaseUrl(db) });
      await client.connect();
      expect((await client.query('SELECT slug FROM accounts')).rows).toEqual([{ slug: 'demo' }]);
      await client.end();
      child.proc.kill('SIGTERM');
      expect(await child.exited).toBe(0);

      // A second start finds the demo account and says how to get a token instead of printing one.
      child = spawnTs('scripts/start.ts', freshEnv);
      await banner(child);
      expect(child.output()).toContain('npm run cli -- token:create --account demo --role admin');
      expect(child.output()).not.toMatch(/chub_[\w-]{43}/);
      child.proc.kill('SIGTERM');
      expect(await child.exited).toBe(0);
    } finally {
      await ensureStopped(child);
      await dropTestDatabase(db);
    }
  });

  it('says which service is missing, where it looked, and how to get one', async () => {
    child = spawnTs('scripts/start.ts', { ...env.env, DATABASE_URL: 'postgres://postgres:secret@127.0.0.1:1/hub' });
    expect(await child.exited).toBe(1);
    expect(child.output()).toContain('PostgreSQL is not reachable at postgres://postgres:***@127.0.0.1:1/hub');
    expect(child.output()).toContain('docker compose up -d postgres');
    expect(child.output()).not.toContain('secret');

    child = spawnTs('scripts/start.ts', { ...env.env, REDIS_URL: 'redis://127.0.0.1:1' });
    expect(await child.exited).toBe(1);
    expect(child.output()).toContain('Redis is not reachable at redis://127.0.0.1:1');
    expect(child.output()).toContain('docker compose up -d redis');
  });
});
