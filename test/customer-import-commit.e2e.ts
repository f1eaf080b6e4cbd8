import { applyCustomerChunk, prepareCustomerChunks } from '@customer-hub/customers';
import { createTestAccount, type TestAccount, waitForJob } from '@customer-hub/testing';
import type { WorkerRuntime } from '@customer-hub/worker';
import request from 'supertest';
import { importCustomers, storedCustomer } from './support/customers';
import { bearer, callsAs, createHarness, type Harness } from './support/harness';

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

  it('commits the labels and group of a check staged before they were gathered with the counts', async () => {
    await callsAs(h, acme.tokens.staff).post('/v1/customer-groups', { code: 'OLDER', name: 'Older' }).expect(201);
    const res = await importFile(
      'customer_number,name,labels,customer_group\nL1,Lima,older|staging,OLDER\n',
      '?validateOnly=true',
    );
    expect(res.job.counts).toMatchObject({ created: 1 });
    const gathered = await h.ds.query(
      `SELECT tablename FROM pg_tables WHERE tablename LIKE 'customer_stage_%'
         AND (tablename LIKE '%_labels' OR tablename LIKE '%_codes')`,
    );
    expect(gathered).toHaveLength(2);
    for (const t of gathered) await h.ds.query(`DROP TABLE ${t.tablename}`);
    await request(h.app).post(`/v1/jobs/${res.job.id}/commit`).set(bearer(acme.tokens.admin)).expect(202);
    expect((await waitForJob(h.ds, res.job.id)).state).toBe('succeeded');
    expect((await customer('L1')).labels).toEqual(['older', 'staging']);
    expect((await customer('L1')).group_code).toBe('OLDER');
    const names = await h.ds.query(`SELECT name FROM labels WHERE account_id = $1 AND name IN ('older', 'staging')`, [
      acme.account.id,
    ]);
    expect(names).toHaveLength(2);
  });

  it('a new number taken between check and commit: upsert brings it to the row, create leaves it; counts say so', async () => {
    const upsert = await importFile(
      'customer_number,name\nT1,From File\nT2,Also From File\nT3,Same\n',
      '?validateOnly=true',
    );
    const create = await importFile(
      'customer_number,name\nT4,From File\nT5,Also From File\n',
      '?validateOnly=true&mode=create',
    );
    expect([upsert.job.counts, create.job.counts]).toMatchObject([{ created: 3 }, { created: 2 }]);
    for (const [number, name] of [
      ['T1', 'Made By Hand'],
      ['T3', 'Same'],
      ['T4', 'Made By Hand'],
    ]) {
      await callsAs(h, acme.tokens.staff).post('/v1/customers', { number, name }).expect(201);
    }
    for (const job of [upsert.job, create.job]) {
      await request(h.app).post(`/v1/jobs/${job.id}/commit`).set(bearer(acme.tokens.admin)).expect(202);
    }
    const upserted = await waitForJob(h.ds, upsert.job.id);
    const created = await waitForJob(h.ds, create.job.id);
    // As importing the file after the other writer would: T1 updated, T3 already as the row says.
    expect(upserted).toMatchObject({ state: 'succeeded', error: null });
    expect(upserted.counts).toMatchObject({ created: 1, updated: 1, unchanged: 1 });
    expect(created).toMatchObject({ state: 'succeeded', error: null });
    expect(created.counts).toMatchObject({ created: 1, skipped: 1 });
    const names = async (...numbers: string[]) => Promise.all(numbers.map(async (n) => (await customer(n))?.name));
    expect(await names('T1', 'T2', 'T3', 'T4', 'T5')).toEqual([
      'From File',
      'Also From File',
      'Same',
      'Made By Hand',
      'Also From File',
    ]);
  });

  it('a customer deleted between check and commit counts as unchanged by a delete import', async () => {
    await importFile('customer_number,name\nD1,Delta\nD2,Echo\n');
    const res = await importFile('customer_number\nD1\nD2\n', '?validateOnly=true&mode=delete');
    expect(res.job.counts).toMatchObject({ deleted: 2 });
    await callsAs(h, acme.tokens.staff).delete('/v1/customers/D1').expect(204);
    await request(h.app).post(`/v1/jobs/${res.job.id}/commit`).set(bearer(acme.tokens.admin)).expect(202);
    const done = await waitForJob(h.ds, res.job.id);
    expect(done).toMatchObject({ state: 'succeeded', counts: { deleted: 1, unchanged: 1 } });
    expect((await customer('D2')).deleted_at).not.toBeNull();
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
    const done = [];
    for (const job of [upsert.job, update.job]) {
      await request(h.app).post(`/v1/jobs/${job.id}/commit`).set(bearer(acme.tokens.admin)).expect(202);
      done.push(await waitForJob(h.ds, job.id));
    }
    expect(done.map((d) => d.state)).toEqual(['succeeded', 'succeeded']);
    // R1 is created again; R3 is gone, so the update skips it.
    expect(done.map((d) => d.counts)).toMatchObject([
      { created: 1, updated: 1, unchanged: 0, skipped: 0 },
      { created: 0, updated: 0, skipped: 1 },
    ]);
    const names = async (...numbers: string[]) => Promise.all(numbers.map(async (n) => (await customer(n))?.name));
    expect(await names('R1', 'R1-NEW', 'R2', 'R3', 'R3-NEW')).toEqual([
      'First Edited',
      'First',
      'Second Edited',
      undefined,
      'Third',
    ]);
  });

  it('a group or catalogue deleted between check and commit fails the commit, naming it, and applies nothing', async () => {
    const staff = callsAs(h, acme.tokens.staff);
    await staff.post('/v1/customer-groups', { code: 'GONE', name: 'Soon gone' }).expect(201);
    await staff.post('/v1/customer-groups', { code: 'STAYS', name: 'Stays' }).expect(201);
    await staff.post('/v1/catalogues', { code: 'OLDCAT', name: 'Soon gone too' }).expect(201);
    const res = await importFile(
      'customer_number,name,customer_group,catalogue\nG1,Golf,STAYS,\nG2,Golf Two,GONE,\nG3,Golf Three,GONE,OLDCAT\n',
      '?validateOnly=true',
    );
    expect(res.job.counts).toMatchObject({ created: 3, rejected: 0 });
    await staff.delete('/v1/customer-groups/GONE').expect(204);
    await staff.delete('/v1/catalogues/OLDCAT').expect(204);
    await request(h.app).post(`/v1/jobs/${res.job.id}/commit`).set(bearer(acme.tokens.admin)).expect(202);
    const done = await waitForJob(h.ds, res.job.id);
    expect(done.state).toBe('failed');
    expect(done.error).toEqual({
      code: 'commit_refused',
      message:
        'The customer group "GONE" (named on line 3 and 1 more) and the catalogue "OLDCAT" (named on line 4) no ' +
        'longer exist: deleted after the file was checked. Create them again and import the file again, or ' +
        'import it without those codes.',
    });
    for (const n of ['G1', 'G2', 'G3']) expect(await customer(n)).toBeUndefined();
  });

  it('a chunk locks the groups it names until it commits, and fails if one went since the commit began', async () => {
    const staff = callsAs(h, acme.tokens.staff);
    await staff.post('/v1/customer-groups', { code: 'HELD', name: 'Held' }).expect(201);
    await staff.post('/v1/customer-groups', { code: 'LATE', name: 'Late' }).expect(201);
    const held = await importFile('customer_number,name,customer_group\nK1,Kilo,HELD\n', '?validateOnly=true');
    const late = await importFile('customer_number,name,customer_group\nK2,Kilo Two,LATE\n', '?validateOnly=true');
    const chunksOf = (jobId: string) => prepareCustomerChunks(h.ds, acme.account.id, jobId, 'upsert', 100, 0);
    const [heldChunk] = await chunksOf(held.job.id);
    const [lateChunk] = await chunksOf(late.job.id);

    // While a chunk naming HELD is open, the group can't be deleted: the delete waits for the chunk.
    await h.ds.transaction(async (m) => {
      await applyCustomerChunk(m, acme.account.id, held.job.id, 'upsert', heldChunk!);
      await expect(
        h.ds.transaction(async (other) => {
          await other.query(`SET LOCAL lock_timeout = '200ms'`);
          await other.query('DELETE FROM customer_groups WHERE account_id = $1 AND code = $2', [
            acme.account.id,
            'HELD',
          ]);
        }),
      ).rejects.toThrow(/lock timeout/);
    });
    expect((await customer('K1')).group_code).toBe('HELD');

    // A group deleted after the commit's check but before a chunk: the chunk fails and writes nothing.
    await staff.delete('/v1/customer-groups/LATE').expect(204);
    await expect(
      h.ds.transaction((m) => applyCustomerChunk(m, acme.account.id, late.job.id, 'upsert', lateChunk!)),
    ).rejects.toThrow('The customer group "LATE" (named on line 2) no longer exists');
    expect(await customer('K2')).toBeUndefined();
  });

  it('a chunk holds its labels until it commits, and adds back one deleted since the commit began', async () => {
    const held = await importFile('customer_number,name,labels\nM1,Mike,kept|late\n', '?validateOnly=true');
    const [chunk] = await prepareCustomerChunks(h.ds, acme.account.id, held.job.id, 'upsert', 100, 0);
    await callsAs(h, acme.tokens.staff).delete('/v1/labels/late').expect(204);
    await h.ds.transaction(async (m) => {
      await applyCustomerChunk(m, acme.account.id, held.job.id, 'upsert', chunk!);
      await expect(
        h.ds.transaction(async (other) => {
          await other.query(`SET LOCAL lock_timeout = '200ms'`);
          await other.query('DELETE FROM labels WHERE account_id = $1 AND name = $2', [acme.account.id, 'kept']);
        }),
      ).rejects.toThrow(/lock timeout/);
    });
    expect((await customer('M1')).labels).toEqual(['kept', 'late']);
    const names = await h.ds.query(`SELECT name FROM labels WHERE account_id = $1 AND name IN ('kept', 'late')`, [
      acme.account.id,
    ]);
    expect(names.map((r: { name: string }) => r.name).sort()).toEqual(['kept', 'late']);
  });
});
