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
