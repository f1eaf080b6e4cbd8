import { createTestAccount, type TestAccount, waitForJob } from '@customer-hub/testing';
import type { WorkerRuntime } from '@customer-hub/worker';
import request from 'supertest';
import { importCustomers, storedCustomer } from './support/customers';
import { bearer, createHarness, type Harness } from './support/harness';

/** A checked customer import committed later: what changed in between, and what the commit then does. */

let h: Harness;
let acme: TestAccount;
let workers: WorkerRuntime;

beforeAll(async () => {
  h = await createHarness();
  acme = await createTestAccount(h.ds);
  workers = await h.startWorkers();
  const seeded = await importFile('customer_number,name\nC1,Alpha Foods\n');
  expect(seeded.job.counts).toMatchObject({ created: 1 });
});
afterAll(() => h.cleanup());

const importFile = (body: string, query = '') => importCustomers(h, acme.tokens.admin, body, query);
const customer = (number: string) => storedCustomer(h, acme.account.id, number);

describe('customer import commit', () => {
  it('validateOnly stops in awaiting_commit with the counts; commit has the worker apply that file', async () => {
    const res = await importFile('customer_number,name\nV1,Victor\nC1,Alpha Foods Renamed\n', '?validateOnly=true');
    expect(res.job.state).toBe('awaiting_commit');
    expect(res.job.counts).toMatchObject({ created: 1, updated: 1 });
    expect(await customer('V1')).toBeUndefined();
    // With no worker running, the commit is only queued: the API itself applies nothing.
    await workers.stop();
    const commit = await request(h.app).post(`/v1/jobs/${res.job.id}/commit`).set(bearer(acme.tokens.admin));
    expect(commit.status).toBe(202);
    expect(commit.body.state).toBe('queued');
    expect(await customer('V1')).toBeUndefined();
    const again = await request(h.app).post(`/v1/jobs/${res.job.id}/commit`).set(bearer(acme.tokens.admin));
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('not_awaiting_commit');

    workers = await h.startWorkers();
    const done = await waitForJob(h.ds, res.job.id);
    expect(done.state).toBe('succeeded');
    expect(done.counts).toMatchObject({ created: 1, updated: 1 });
    expect((await customer('V1')).name).toBe('Victor');
    expect((await customer('C1')).name).toBe('Alpha Foods Renamed');
    const stages = await h.ds.query(`SELECT 1 FROM pg_tables WHERE tablename LIKE 'customer_stage_%'`);
    expect(stages).toEqual([]);
  });

  it('commits the labels of a check staged before they were gathered with the counts', async () => {
    const res = await importFile('customer_number,name,labels\nL1,Lima,older|staging\n', '?validateOnly=true');
    expect(res.job.counts).toMatchObject({ created: 1 });
    const [gathered] = await h.ds.query(
      `SELECT tablename FROM pg_tables WHERE tablename LIKE 'customer_stage_%' AND tablename LIKE '%_labels'`,
    );
    await h.ds.query(`DROP TABLE ${gathered.tablename}`);
    await request(h.app).post(`/v1/jobs/${res.job.id}/commit`).set(bearer(acme.tokens.admin)).expect(202);
    expect((await waitForJob(h.ds, res.job.id)).state).toBe('succeeded');
    expect((await customer('L1')).labels).toEqual(['older', 'staging']);
    const names = await h.ds.query(`SELECT name FROM labels WHERE account_id = $1 AND name IN ('older', 'staging')`, [
      acme.account.id,
    ]);
    expect(names).toHaveLength(2);
  });

  it('a new customer whose number is taken between check and commit is left to its owner', async () => {
    const res = await importFile('customer_number,name\nT1,From File\nT2,Also From File\n', '?validateOnly=true');
    expect(res.job.counts).toMatchObject({ created: 2 });
    const made = await request(h.app)
      .post('/v1/customers')
      .set(bearer(acme.tokens.staff))
      .send({ number: 'T1', name: 'Made By Hand' });
    expect(made.status).toBe(201);
    await request(h.app).post(`/v1/jobs/${res.job.id}/commit`).set(bearer(acme.tokens.admin)).expect(202);
    const done = await waitForJob(h.ds, res.job.id);
    expect({ state: done.state, error: done.error }).toEqual({ state: 'succeeded', error: null });
    expect((await customer('T1')).name).toBe('Made By Hand');
    expect((await customer('T2')).name).toBe('Also From File');
  });

  it('a customer renumbered between check and commit: upsert creates the number again, update leaves it', async () => {
    await importFile('customer_number,name\nR1,First\nR2,Second\nR3,Third\n');
    const upsert = await importFile('customer_number,name\nR1,First Edited\nR2,Second Edited\n', '?validateOnly=true');
    const update = await importFile('customer_number,name\nR3,Third Edited\n', '?validateOnly=true&mode=update');
    expect([upsert.job.counts, update.job.counts]).toMatchObject([{ updated: 2 }, { updated: 1 }]);
    for (const [from, to] of [
      ['R1', 'R1-NEW'],
      ['R3', 'R3-NEW'],
    ]) {
      const renamed = await request(h.app)
        .patch(`/v1/customers/${from}`)
        .set(bearer(acme.tokens.staff))
        .send({ number: to });
      expect(renamed.status).toBe(200);
    }
    for (const job of [upsert.job, update.job]) {
      await request(h.app).post(`/v1/jobs/${job.id}/commit`).set(bearer(acme.tokens.admin)).expect(202);
      expect((await waitForJob(h.ds, job.id)).state).toBe('succeeded');
    }
    const names = async (...numbers: string[]) => Promise.all(numbers.map(async (n) => (await customer(n))?.name));
    expect(await names('R1', 'R1-NEW', 'R2', 'R3', 'R3-NEW')).toEqual([
      'First Edited',
      'First',
      'Second Edited',
      undefined,
      'Third',
    ]);
  });
});
