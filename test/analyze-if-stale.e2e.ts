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

/** Waits until pg_stat_user_tables has the committed changes (within a second or so). */
const settled = (what: string, column: 'n_live_tup' | 'n_mod_since_analyze', atLeast: number) =>
  waitFor(
    what,
    async () => {
      const [s] = await sqlRows<{ n: string }>(
        env.ds,
        `SELECT ${column} AS n FROM pg_stat_user_tables WHERE relname = 'bulk'`,
      );
      return Number(s?.n) >= atLeast ? true : undefined;
    },
    10_000,
  );

it('analyzes a table only once a bulk change has left its statistics behind', async () => {
  await env.ds.query('INSERT INTO bulk SELECT generate_series(1, 100)');
  expect(await analyzeIfStale(env.ds, 'bulk')).toBe(false); // a few rows: not worth it
  await env.ds.query('INSERT INTO bulk SELECT generate_series(1, 50000)');
  await settled('the insert in the statistics', 'n_live_tup', 50_000);
  expect(await analyzeIfStale(env.ds, 'bulk')).toBe(true);
  expect(await analyzed()).not.toBeNull();
  const [c] = await sqlRows<{ tuples: number }>(
    env.ds,
    `SELECT reltuples AS tuples FROM pg_class WHERE relname = 'bulk'`,
  );
  expect(c!.tuples).toBeGreaterThan(40_000);
  expect(await analyzeIfStale(env.ds, 'bulk')).toBe(false); // fresh now
  // Every row changed, none added: the estimate still holds.
  await env.ds.query('UPDATE bulk SET n = n + 1');
  await settled('the update in the statistics', 'n_mod_since_analyze', 50_000);
  expect(await analyzeIfStale(env.ds, 'bulk')).toBe(false);
  await env.ds.query('INSERT INTO bulk SELECT generate_series(1, 20000)');
  await settled('the second insert in the statistics', 'n_live_tup', 70_000);
  expect(await analyzeIfStale(env.ds, 'bulk')).toBe(true); // 40% more rows than planned for
});
