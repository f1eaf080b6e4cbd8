import { sqlRows } from '@customer-hub/db';
import { currentCodesFor } from '@customer-hub/purchase-history';
import { submitJob } from '@customer-hub/queue';
import { createTestAccount, createTestEnv, type TestAccount, type TestEnv, waitForJob } from '@customer-hub/testing';
import { FAST_RECOVERY, runningQuery, workerProcesses } from './support/processes';
import { storeGeneratedFile } from './support/upload';

let env: TestEnv;
let acme: TestAccount;
const workers = workerProcesses(() => env.env);

beforeAll(async () => {
  env = await createTestEnv(FAST_RECOVERY);
  acme = await createTestAccount(env.ds);
});
afterEach(() => workers.stopAll());
afterAll(() => env.cleanup());

const startWorker = () => workers.start();

/** A generated upload of `rows` pairs where customer R0 bought product `mark`. */
async function storeFile(rows: number, mark: string): Promise<string> {
  return storeGeneratedFile(
    env.files,
    `uploads/${acme.account.id}/test/${mark}-${rows}.csv`,
    `customer,product\nR0,${mark}\n`,
    { from: 1, to: rows },
    (i) => `C${i % 50_000},P${i % 7_919}\n`,
  );
}

async function submit(inputFile: string) {
  const { run } = await submitJob(env, {
    accountId: acme.account.id,
    userId: acme.userIds.admin,
    kind: 'purchase-history',
    params: { inputFile, fileName: null, maxErrors: 0, validateOnly: false },
  });
  return run.id;
}

const published = async () => (await currentCodesFor(env.ds, acme.account.id, 'R0'))?.productCodes;
const leftovers = async () =>
  sqlRows<{ relname: string }>(
    env.ds,
    `SELECT relname FROM pg_class WHERE relname ~ '^purchase_history_(stage|customer_ref|product_code)_v'`,
  );

beforeAll(async () => {
  const a = startWorker();
  const first = await submit(await storeFile(10, 'OLD'));
  expect((await waitForJob(env.ds, first, ['succeeded', 'failed'], 60_000)).state).toBe('succeeded');
  a.proc.kill('SIGKILL');
  await a.exited;
}, 120_000);

describe.each([
  ['while loading the file', ['COPY purchase_history_rows_v%']],
  [
    'while building and publishing the version',
    ['CREATE INDEX purchase_history_rows_v%', 'ANALYZE purchase_history_rows_v%'],
  ],
])('SIGKILL of the worker %s', (_when, query) => {
  it('leaves the published history untouched, and the retry publishes the new one once', async () => {
    const a = startWorker();
    const id = await submit(await storeFile(800_000, 'NEW'));
    await runningQuery(env.ds, query);
    a.proc.kill('SIGKILL');
    await a.exited;
    expect(await published()).toEqual(['OLD']);

    startWorker();
    const run = await waitForJob(env.ds, id, ['succeeded', 'failed'], 120_000);
    expect({ state: run.state, error: run.error }).toEqual({ state: 'succeeded', error: null });
    expect(await published()).toEqual(['NEW']);
    const versions = await sqlRows<{ n: number }>(
      env.ds,
      'SELECT count(*)::int AS n FROM purchase_history_versions WHERE job_run_id = $1',
      [id],
    );
    expect(versions[0]!.n).toBe(1);
    expect(await leftovers()).toEqual([]);

    // Back to OLD for the next case.
    const again = await submit(await storeFile(10, 'OLD'));
    expect((await waitForJob(env.ds, again, ['succeeded', 'failed'], 60_000)).state).toBe('succeeded');
  }, 240_000);
});
