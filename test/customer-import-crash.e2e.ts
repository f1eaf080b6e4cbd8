import type { CustomerImportParams } from '@customer-hub/contracts';
import { JobRunEntity, sqlRows } from '@customer-hub/db';
import { cancelJob, submitJob } from '@customer-hub/queue';
import {
  createTestAccount,
  createTestEnv,
  type TestAccount,
  type TestEnv,
  waitFor,
  waitForJob,
} from '@customer-hub/testing';
import { FAST_RECOVERY, runningQuery, workerProcesses } from './support/processes';
import { storeGeneratedFile } from './support/upload';

let env: TestEnv;
let acme: TestAccount;
const workers = workerProcesses(() => env.env);
const ROWS = 150_000;
const CHUNK = 20_000;

beforeAll(async () => {
  env = await createTestEnv({ ...FAST_RECOVERY, CUSTOMER_IMPORT_CHUNK_ROWS: String(CHUNK) });
  acme = await createTestAccount(env.ds);
});
afterEach(() => workers.stopAll());
afterAll(() => env.cleanup());

/** A generated customer file: K0..K9 named `mark` and labelled `mark`, then `rows` further customers. */
async function storeFile(rows: number, mark: string): Promise<string> {
  let head = 'customer_number,name,labels,billing_city\n';
  for (let i = 0; i < 10; i++) head += `K${i},${mark},${mark.toLowerCase()},Leeds\n`;
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

/** The account's customers; `half` counts any whose name and labels come from different files. */
const state = async () =>
  (
    await sqlRows<{ customers: number; old: number; half: number; bulk: number }>(
      env.ds,
      `SELECT count(*)::int AS customers, count(*) FILTER (WHERE name = 'OLD')::int AS old,
              count(*) FILTER (WHERE (name = 'OLD') <> (labels = '{old}')
                                 OR (name = 'NEW') <> (labels = '{new}'))::int AS half,
              count(*) FILTER (WHERE customer_number LIKE 'N%')::int AS bulk
       FROM customers WHERE account_id = $1`,
      [acme.account.id],
    )
  )[0]!;
const leftovers = async () =>
  sqlRows<{ relname: string }>(env.ds, `SELECT relname FROM pg_class WHERE relname ~ '^customer_stage_'`);
const markOf = async (id: string) =>
  (
    await sqlRows<{ mark: number[] | null }>(env.ds, 'SELECT commit_chunks AS mark FROM job_runs WHERE id = $1', [id])
  )[0]!.mark;

beforeAll(async () => {
  const a = workers.start();
  const first = await submit(await storeFile(0, 'OLD'));
  expect((await waitForJob(env.ds, first, ['succeeded', 'failed'], 60_000)).state).toBe('succeeded');
  a.proc.kill('SIGKILL');
  await a.exited;
}, 120_000);

/** Runs the import with a worker killed at `kill`, then lets a new worker finish it. */
async function importKilled(kill: (jobId: string) => Promise<unknown>, whileDown?: (jobId: string) => Promise<void>) {
  const a = workers.start();
  const id = await submit(await storeFile(ROWS, 'NEW'));
  await kill(id);
  a.proc.kill('SIGKILL');
  await a.exited;
  const killed = { state: await state(), mark: await markOf(id) };
  await whileDown?.(id);
  workers.start();
  const run = await waitForJob(env.ds, id, ['succeeded', 'failed'], 180_000);
  return { id, run, killed };
}

/** What an uninterrupted run ends with, and the way back to where the next case starts. */
async function expectFinishedAndReset(run: Awaited<ReturnType<typeof importKilled>>['run']) {
  expect({ state: run.state, error: run.error }).toEqual({ state: 'succeeded', error: null });
  expect(run.counts).toMatchObject({ created: ROWS, updated: 10, unchanged: 0, rejected: 0 });
  expect({ processed: run.progressProcessed, total: run.progressTotal }).toEqual({
    processed: ROWS + 10,
    total: ROWS + 10,
  });
  expect(await state()).toEqual({ customers: 11 + ROWS, old: 0, half: 0, bulk: ROWS });
  expect(await leftovers()).toEqual([]);
  await env.ds.query(`DELETE FROM customers WHERE account_id = $1 AND customer_number LIKE 'N%'`, [acme.account.id]);
  const again = await submit(await storeFile(0, 'OLD'));
  expect((await waitForJob(env.ds, again, ['succeeded', 'failed'], 60_000)).state).toBe('succeeded');
}

const before = { customers: 11, old: 10, half: 0, bulk: 0 }; // C-1 comes with the test account

describe('SIGKILL of the worker', () => {
  it('while loading the file changes nothing, and the retry ends as an uninterrupted run would', async () => {
    expect(await state()).toEqual(before);
    const { run, killed } = await importKilled(() => runningQuery(env.ds, ['COPY customer_stage_%']));
    expect(killed).toEqual({ state: before, mark: null });
    await expectFinishedAndReset(run);
  }, 300_000);

  it('while applying chunks keeps the committed chunks whole, and the retry resumes to the same end', async () => {
    expect(await state()).toEqual(before);
    const { run, killed } = await importKilled(
      async (id) => {
        await waitFor('a committed chunk', async () => ((await markOf(id)) !== null ? true : undefined), 120_000);
        await runningQuery(env.ds, ['WITH written AS (INSERT INTO customers %']);
      },
      async (id) => {
        // Past the first chunk the import can only go forward.
        const run = await env.ds.getRepository(JobRunEntity).findOneByOrFail({ id });
        expect(await cancelJob(env, run)).toBe('committing');
        expect((await env.ds.getRepository(JobRunEntity).findOneByOrFail({ id })).cancelRequestedAt).toBeNull();
      },
    );
    // Killed part-way: the chunks recorded are stored, each customer whole; the rest are not. Chunk k holds
    // lines k * CHUNK on (chunk 0: K0..K9 first), and two apply at once, so any of them may be among those.
    const chunks = killed.mark ?? [];
    expect(chunks.length).toBeGreaterThan(0);
    const lines = (k: number) => Math.min(CHUNK, ROWS + 10 - k * CHUNK);
    const hasFirst = chunks.includes(0);
    expect(killed.state).toEqual({
      customers: before.customers + chunks.reduce((a, k) => a + lines(k), 0) - (hasFirst ? 10 : 0),
      old: hasFirst ? 0 : 10,
      half: 0,
      bulk: chunks.reduce((a, k) => a + lines(k), 0) - (hasFirst ? 10 : 0),
    });
    expect(killed.state.bulk).toBeLessThan(ROWS);
    await expectFinishedAndReset(run);
  }, 300_000);
});
