import { analyzeIfStale, sqlRows } from '@customer-hub/db';
import { createTestEnv, type TestEnv, waitFor } from '@customer-hub/testing';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
  await env.ds.query('CREATE TABLE bulk (n int)');
});
afterAll(() => env.cleanup());

const analyzed = async () =>
  (
    await sqlRows<{ at: Date | null }>(
      env.ds,
      `SELECT greatest(last_analyze, last_autoanalyze) AS at FROM pg_stat_user_tables WHERE relname = 'bulk'`,
    )
  )[0]!.at;

it('analyzes a table only once a bulk change has left its statistics behind', async () => {
  await env.ds.query('INSERT INTO bulk SELECT generate_series(1, 100)');
  expect(await analyzeIfStale(env.ds, 'bulk')).toBe(false); // a few rows: not worth it
  await env.ds.query('INSERT INTO bulk SELECT generate_series(1, 50000)');
  // The statistics of a committed change reach pg_stat_user_tables within a second or so.
  await waitFor(
    'the insert in the statistics',
    async () => {
      const [s] = await sqlRows<{ mods: string }>(
        env.ds,
        `SELECT n_mod_since_analyze AS mods FROM pg_stat_user_tables WHERE relname = 'bulk'`,
      );
      return Number(s?.mods) >= 50_000 ? true : undefined;
    },
    10_000,
  );
  expect(await analyzeIfStale(env.ds, 'bulk')).toBe(true);
  expect(await analyzed()).not.toBeNull();
  const [c] = await sqlRows<{ tuples: number }>(
    env.ds,
    `SELECT reltuples AS tuples FROM pg_class WHERE relname = 'bulk'`,
  );
  expect(c!.tuples).toBeGreaterThan(40_000);
  expect(await analyzeIfStale(env.ds, 'bulk')).toBe(false); // fresh now
});

it('with columns, refreshes those columns and the row count only, leaving the whole table to autovacuum', async () => {
  await env.ds.query(`CREATE TABLE wide (n int, note text) WITH (autovacuum_enabled = false)`);
  await env.ds.query(`INSERT INTO wide SELECT i, 'note ' || i FROM generate_series(1, 30000) i`);
  await waitFor(
    'the insert in the statistics',
    async () => {
      const [s] = await sqlRows<{ mods: string }>(
        env.ds,
        `SELECT n_mod_since_analyze AS mods FROM pg_stat_user_tables WHERE relname = 'wide'`,
      );
      return Number(s?.mods) >= 30_000 ? true : undefined;
    },
    10_000,
  );
  expect(await analyzeIfStale(env.ds, 'wide', ['n'])).toBe(true);
  const stats = await sqlRows<{ attname: string }>(env.ds, `SELECT attname FROM pg_stats WHERE tablename = 'wide'`);
  expect(stats.map((s) => s.attname)).toEqual(['n']);
  const [c] = await sqlRows<{ tuples: number }>(
    env.ds,
    `SELECT reltuples AS tuples FROM pg_class WHERE relname = 'wide'`,
  );
  expect(c!.tuples).toBeGreaterThan(25_000);
  // The counter autovacuum goes by still says the table needs a full ANALYZE.
  const [s] = await sqlRows<{ mods: string }>(
    env.ds,
    `SELECT n_mod_since_analyze AS mods FROM pg_stat_user_tables WHERE relname = 'wide'`,
  );
  expect(Number(s!.mods)).toBeGreaterThanOrEqual(30_000);
});
