import { createTestAccount, type TestAccount, waitFor, waitForJob } from '@customer-hub/testing';
import request from 'supertest';
import { bearer, createHarness, type Harness, uploadPurchaseHistory } from './support/harness';

let h: Harness;
let acme: TestAccount;

beforeAll(async () => {
  h = await createHarness();
  acme = await createTestAccount(h.ds);
  await h.startWorkers();
});
afterAll(() => h.cleanup());

const upload = (body: Buffer | string, query = '', token = acme.tokens.admin) =>
  uploadPurchaseHistory(h, token, body, query);

describe('versions', () => {
  let other: TestAccount;
  beforeAll(async () => {
    other = await createTestAccount(h.ds);
  });
  const up = async (body: string, query = '') => {
    const res = await request(h.app)
      .post(`/v1/purchase-histories${query}`)
      .set(bearer(other.tokens.admin))
      .set('Content-Type', 'text/csv')
      .send(body);
    return waitForJob(h.ds, res.body.jobId);
  };
  const codes = async (ref: string) =>
    (await request(h.app).get(`/v1/purchase-histories/current/customers/${ref}`).set(bearer(other.tokens.staff))).body;
  /** Waits for a job whose commit was asked for, and returns it as the API shows it. */
  const committed = async (id: string) => {
    await waitForJob(h.ds, id, ['succeeded', 'failed']);
    return (await request(h.app).get(`/v1/jobs/${id}`).set(bearer(other.tokens.admin))).body;
  };
  const versions = async () =>
    (await request(h.app).get('/v1/purchase-histories').set(bearer(other.tokens.staff))).body.items;

  it('has nothing published at first', async () => {
    expect(
      (await request(h.app).get('/v1/purchase-histories/current/customers/X').set(bearer(other.tokens.admin))).status,
    ).toBe(404);
    expect(
      (await request(h.app).get('/v1/purchase-histories/current/file').set(bearer(other.tokens.admin))).status,
    ).toBe(404);
  });

  it('validateOnly stops in awaiting_commit with counts; commit publishes the same upload once', async () => {
    // A misspelt parameter is refused, not dropped: dropped, this upload would have been published at once.
    const misspelt = await request(h.app)
      .post('/v1/purchase-histories?validateonly=true')
      .set(bearer(other.tokens.admin))
      .set('Content-Type', 'text/csv')
      .send('ref,code\nV1,A\n');
    expect([misspelt.status, misspelt.body.error.details]).toEqual([
      400,
      [{ field: 'query', message: 'Unrecognized key: "validateonly"' }],
    ]);
    const run = await up('ref,code\nV1,A\nV1,B\nV2,A\n', '?validateOnly=true');
    expect(run.state).toBe('awaiting_commit');
    expect(run.counts).toMatchObject({
      rows: 3,
      customers: 2,
      products: 2,
      unmatchedCustomers: 2,
      unmatchedProducts: 2,
    });
    expect((await codes('V1')).error?.code).toBe('not_found');
    // Another account's admin cannot even see the job, let alone commit it.
    const foreign = await request(h.app).post(`/v1/jobs/${run.id}/commit`).set(bearer(acme.tokens.admin));
    expect(foreign.status).toBe(404);
    expect((await h.ds.query('SELECT state FROM job_runs WHERE id = $1', [run.id]))[0].state).toBe('awaiting_commit');
    const commit = await request(h.app).post(`/v1/jobs/${run.id}/commit`).set(bearer(other.tokens.admin));
    expect(commit.status).toBe(202);
    expect(commit.body.state).toBe('queued');
    expect(await committed(run.id)).toMatchObject({ state: 'succeeded', counts: { rows: 3, customers: 2 } });
    expect((await codes('V1')).productCodes).toEqual(['A', 'B']);
    expect((await request(h.app).post(`/v1/jobs/${run.id}/commit`).set(bearer(other.tokens.admin))).status).toBe(409);
    expect((await request(h.app).post(`/v1/jobs/${run.id}/commit`).set(bearer(other.tokens.staff))).status).toBe(403);
  });

  it('two uploads at once: one wins whole, the other is refused and says why', async () => {
    const a = await up('ref,code\nV1,C\n', '?validateOnly=true');
    const b = await up('ref,code\nV1,D\n', '?validateOnly=true');
    expect((await request(h.app).post(`/v1/jobs/${b.id}/commit`).set(bearer(other.tokens.admin))).status).toBe(202);
    expect((await committed(b.id)).state).toBe('succeeded');
    expect((await request(h.app).post(`/v1/jobs/${a.id}/commit`).set(bearer(other.tokens.admin))).status).toBe(202);
    const lost = await committed(a.id);
    expect(lost).toMatchObject({ state: 'failed', error: { code: 'commit_refused' } });
    expect(lost.error.message).toMatch(
      /another purchase history \(version \d+\) was published while this upload was processed/,
    );
    expect((await codes('V1')).productCodes).toEqual(['D']);
  });

  it('lists versions current first, restores an earlier one, and keeps only the last few', async () => {
    const before = await versions();
    const current = before.find((v: { current: boolean }) => v.current);
    const earlier = before.find((v: { current: boolean }) => !v.current);
    expect(current.productCodes).toBeUndefined();
    expect(before[0].current).toBe(true);
    const restored = await request(h.app)
      .post(`/v1/purchase-histories/${earlier.version}/restore`)
      .set(bearer(other.tokens.admin));
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ version: earlier.version, current: true });
    expect((await codes('V1')).productCodes).toEqual(['A', 'B']);
    expect(
      (await request(h.app).post('/v1/purchase-histories/999999/restore').set(bearer(other.tokens.admin))).status,
    ).toBe(404);

    for (const c of ['E', 'F', 'G', 'H']) expect((await up(`ref,code\nV1,${c}\n`)).state).toBe('succeeded');
    const after = await versions();
    expect(after).toHaveLength(3);
    expect(after.map((v: { current: boolean }) => v.current)).toEqual([true, false, false]);
    // The listing is exact at once; the pushed-out version's partition is dropped right after the publish.
    await waitFor('pruned partitions to be dropped', async () => {
      const [{ partitions, kept }] = await h.ds.query(
        `SELECT (SELECT count(*)::int FROM pg_inherits WHERE inhparent = 'purchase_history_rows'::regclass) AS partitions,
                (SELECT count(*)::int FROM purchase_history_versions WHERE state IN ('published', 'ready')) AS kept`,
      );
      return partitions === kept ? true : undefined;
    });
  });

  it('downloads the published history as CSV, formula-safe', async () => {
    const run = await up('ref,code\nF1,"=HYPERLINK(""x"")"\nF1,B\nF0,A\n');
    expect(run.state).toBe('succeeded');
    const res = await request(h.app).get('/v1/purchase-histories/current/file').set(bearer(other.tokens.admin));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const [header, ...lines] = res.text.trimEnd().split('\n');
    expect(header).toBe('customer_ref,product_code');
    expect(lines.sort()).toEqual(['F0,A', `F1,"'=HYPERLINK(""x"")"`, 'F1,B']);
  });

  it('a reader polling during publishes sees the whole old or the whole new history, never a mix or nothing', async () => {
    const setA = Array.from({ length: 300 }, (_, i) => `A${String(i).padStart(3, '0')}`);
    const setB = Array.from({ length: 300 }, (_, i) => `B${String(i).padStart(3, '0')}`);
    const csv = (set: string[]) => `ref,code\n${set.map((c) => `R1,${c}`).join('\n')}\n`;
    await up(csv(setA));
    let stop = false;
    const seen = { a: 0, b: 0, other: [] as string[][] };
    const reader = (async () => {
      while (!stop) {
        const got = (await codes('R1')).productCodes as string[];
        if (JSON.stringify(got) === JSON.stringify(setA)) seen.a++;
        else if (JSON.stringify(got) === JSON.stringify(setB)) seen.b++;
        else seen.other.push(got);
      }
    })();
    for (let i = 0; i < 4; i++) await up(csv(i % 2 ? setA : setB));
    stop = true;
    await reader;
    expect(seen.other).toEqual([]);
    expect(seen.a).toBeGreaterThan(0);
    expect(seen.b).toBeGreaterThan(0);
  });
});

describe('access', () => {
  it.each(['staff', 'ops', 'customer'] as const)('%s may not upload a purchase history (403)', async (role) => {
    const res = await request(h.app)
      .post('/v1/purchase-histories')
      .set(bearer(acme.tokens[role]))
      .set('Content-Type', 'text/csv')
      .send('a,b\n');
    expect(res.status).toBe(403);
  });

  it("another account sees none of this account's history, versions or jobs", async () => {
    const stranger = await createTestAccount(h.ds);
    expect(
      (await request(h.app).get('/v1/purchase-histories/current/customers/17850.0').set(bearer(stranger.tokens.admin)))
        .status,
    ).toBe(404);
    expect((await request(h.app).get('/v1/purchase-histories').set(bearer(stranger.tokens.admin))).body.items).toEqual(
      [],
    );
    await upload('ref,code\nS1,P1\n');
    const mine = (await request(h.app).get('/v1/purchase-histories').set(bearer(acme.tokens.admin))).body.items[0];
    expect(
      (await request(h.app).post(`/v1/purchase-histories/${mine.version}/restore`).set(bearer(stranger.tokens.admin)))
        .status,
    ).toBe(404);
    expect(
      (await request(h.app).get(`/v1/jobs/${mine.jobId}/files/errors.csv`).set(bearer(stranger.tokens.admin))).status,
    ).toBe(404);
  });
});

describe('pruning under load', () => {
  it('does not hold up new readers while an old version is still being read', async () => {
    const mine = await createTestAccount(h.ds);
    const up = async (code: string) => {
      const res = await request(h.app)
        .post('/v1/purchase-histories')
        .set(bearer(mine.tokens.admin))
        .set('Content-Type', 'text/csv')
        .send(`ref,code\nL1,${code}\n`);
      return waitForJob(h.ds, res.body.jobId);
    };
    const first = await up('A');
    await up('B');
    await up('C');
    // A long reader of the oldest version (as a big download would be) keeps its partition in use.
    const { Client } = await import('pg');
    const reader = new Client({ connectionString: h.config.database.url });
    await reader.connect();
    await reader.query('BEGIN');
    await reader.query('SELECT count(*) FROM purchase_history_rows WHERE version_id = $1', [first.counts.version]);
    try {
      const fourth = request(h.app)
        .post('/v1/purchase-histories')
        .set(bearer(mine.tokens.admin))
        .set('Content-Type', 'text/csv')
        .send('ref,code\nL1,D\n');
      const run = await waitForJob(h.ds, (await fourth).body.jobId);
      expect(run.state).toBe('succeeded');
      // The prune of version A now waits for the long reader; new readers must not wait behind it.
      const codes = await request(h.app)
        .get('/v1/purchase-histories/current/customers/L1')
        .set(bearer(mine.tokens.admin));
      expect(codes.body.productCodes).toEqual(['D']);
    } finally {
      await reader.query('COMMIT');
      await reader.end();
    }
    const kept = async () =>
      (await request(h.app).get('/v1/purchase-histories').set(bearer(mine.tokens.admin))).body.items.length;
    await waitFor('the pruned version to go', async () => ((await kept()) === 3 ? true : undefined));
  });
});
