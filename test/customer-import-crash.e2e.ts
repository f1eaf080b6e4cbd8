import type { CustomerImportParams } from '@customer-hub/contracts';
import { sqlRows } from '@customer-hub/db';
import { submitJob } from '@customer-hub/queue';
import { createTestAccount, createTestEnv, type TestAccount, type TestEnv, waitForJob } from '@customer-hub/testing';
import { FAST_RECOVERY, runningQuery, workerProcesses } from './support/processes';
import { storeGeneratedFile } from './support/upload';

let env: TestEnv;
let acme: TestAccount;
const workers = workerProcesses(() => env.env);
const ROWS = 150_000;

beforeAll(async () => {
  env = await createTestEnv(FAST_RECOVERY);
  acme = await createTestAccount(env.ds);
});
afterEach(() => workers.stopAll());
afterAll(() => env.cleanup());

/** A generated customer file: K0..K9 named `mark`, then `rows` further customers. */
async function storeFile(rows: number, mark: string): Promise<string> {
  let head = 'customer_number,name,labels,billing_city\n';
  for (let i = 0; i < 10; i++) head += `K${i},${mark},keep,Leeds\n`;
  return storeGeneratedFile(
    env.files,
    `uploads/${acme.account.id}/test/customers-${mark}-${rows}.csv`,
    head,
    { from: 0, to: rows },
    (i) => `N${i},Customer ${i},bulk,York\n`,
  );
}

async function submit(inputFile: string) {
  const params: CustomerImportParams = {
    inputFile,
    fileName: null,
    maxErrors: 0,
    validateOnly: false,
    format: 'csv',
    mode: 'upsert',
    blank: 'ignore',
    separator: '|',
  };
  const { run } = await submitJob(env, {
    accountId: acme.account.id,
    userId: acme.userIds.admin,
    kind: 'customer-import',
    params,
  });
  return run.id;
}

const state = async () =>
  (
    await sqlRows<{ customers: number; old: number }>(
      env.ds,
      `SELECT count(*)::int AS customers, count(*) FILTER (WHERE name = 'OLD')::int AS old
       FROM customers WHERE account_id = $1`,
      [acme.account.id],
    )
  )[0];
const leftovers = async () =>
  sqlRows<{ relname: string }>(env.ds, `SELECT relname FROM pg_class WHERE relname ~ '^customer_stage_'`);

beforeAll(async () => {
  const a = workers.start();
  const first = await submit(await storeFile(0, 'OLD'));
  expect((await waitForJob(env.ds, first, ['succeeded', 'failed'], 60_000)).state).toBe('succeeded');
  a.proc.kill('SIGKILL');
  await a.exited;
}, 120_000);

describe.each([
  ['while loading the file', ['COPY customer_stage_%']],
  ['while applying the import', ['INSERT INTO customers %', 'UPDATE customers c SET%']],
])('SIGKILL of the worker %s', (_when, query) => {
  it('leaves no customer half-written, and the retry ends as an uninterrupted run would', async () => {
    const before = await state();
    expect(before).toEqual({ customers: 11, old: 10 }); // C-1 comes with the test account
    const a = workers.start();
    const id = await submit(await storeFile(ROWS, 'NEW'));
    await runningQuery(env.ds, query);
    a.proc.kill('SIGKILL');
    await a.exited;
    expect(await state()).toEqual(before);

    workers.start();
    const run = await waitForJob(env.ds, id, ['succeeded', 'failed'], 180_000);
    expect({ state: run.state, error: run.error }).toEqual({ state: 'succeeded', error: null });
    expect(run.counts).toMatchObject({ created: ROWS, updated: 10, unchanged: 0, rejected: 0 });
    expect(await state()).toEqual({ customers: 11 + ROWS, old: 0 });
    expect(await leftovers()).toEqual([]);

    // Back to where the next case starts.
    await env.ds.query(`DELETE FROM customers WHERE account_id = $1 AND customer_number LIKE 'N%'`, [acme.account.id]);
    const again = await submit(await storeFile(0, 'OLD'));
    expect((await waitForJob(env.ds, again, ['succeeded', 'failed'], 60_000)).state).toBe('succeeded');
  }, 300_000);
});
