import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createTestAccount, type TestAccount, waitFor } from '@customer-hub/testing';
import request from 'supertest';
import { bearer, createHarness, type Harness } from './support/harness';
import { postGenerated } from './support/upload';

const LIMIT = 64 * 1024;
let h: Harness;
let acme: TestAccount;
let server: http.Server;
let port: number;

beforeAll(async () => {
  h = await createHarness({ UPLOAD_MAX_BYTES: String(LIMIT) });
  acme = await createTestAccount(h.ds);
  server = http.createServer(h.app).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await h.cleanup();
});

/** Every file under the store, temp files included. */
async function storedFiles(): Promise<string[]> {
  const entries = await fs.readdir(h.config.files.dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

const upload = (
  total: number,
  o: { chunked?: boolean; abortAfter?: number; abortWhen?: () => Promise<unknown> } = {},
) =>
  postGenerated({ port, path: '/v1/diagnostics?steps=0', token: acme.tokens.admin, total, chunkSize: 8 * 1024, ...o });

describe('uploads stream into the file store', () => {
  it('stores an upload under a generated name, never the client one', async () => {
    const res = await request(h.app)
      .post('/v1/diagnostics?steps=0')
      .set(bearer(acme.tokens.admin))
      .set('Content-Type', 'text/csv')
      .set('Content-Disposition', 'attachment; filename="../../etc/evil.csv"')
      .send('a,b\n');
    expect(res.status).toBe(202);
    const files = await storedFiles();
    expect(files.some((f) => f.includes('evil'))).toBe(false);
    const stored = await h.files.stat(path.relative(h.config.files.dir, files.find((f) => !f.endsWith('.meta.json'))!));
    // Kept for UPLOAD_RETENTION_HOURS (7 days by default), then swept.
    expect(stored?.expiresAt?.getTime()).toBeGreaterThan(Date.now() + 167 * 3600_000);
    expect(files.filter((f) => !f.endsWith('.meta.json'))).toEqual([
      expect.stringMatching(new RegExp(`uploads/${acme.account.id}/diagnostic/[0-9a-f-]{36}$`)),
    ]);
  });

  it('refuses a declared size over the limit with 413 and keeps nothing', async () => {
    const before = await storedFiles();
    const res = await upload(LIMIT + 1);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe('payload_too_large');
    expect(await storedFiles()).toEqual(before);
  });

  it('stops a chunked upload when it passes the limit, with 413, and keeps nothing', async () => {
    const before = await storedFiles();
    const res = await upload(LIMIT * 4, { chunked: true });
    expect(res.status).toBe(413);
    expect(await storedFiles()).toEqual(before);
    const jobs = await h.ds.query('SELECT count(*)::int AS n FROM job_runs');
    expect(jobs[0].n).toBe(1); // only the first test's job
  });

  it('leaves no file behind when the client aborts half-way', async () => {
    const before = await storedFiles();
    const tempFiles = async () => (await storedFiles()).filter((f) => path.basename(f).startsWith('.tmp-'));
    // Abort only once the server is writing the upload, then wait for it to clean up.
    await upload(LIMIT - 1, {
      chunked: true,
      abortAfter: LIMIT / 2,
      abortWhen: () =>
        waitFor('the upload to reach the store', async () => ((await tempFiles()).length ? true : undefined)),
    });
    await waitFor('the partial upload to be removed', async () =>
      (await tempFiles()).length === 0 ? true : undefined,
    );
    expect(await storedFiles()).toEqual(before);
  });

  it('refuses an empty upload with a clear message', async () => {
    const res = await upload(0, { chunked: true });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error).toEqual({ code: 'empty_upload', message: 'The uploaded file is empty.' });
  });
});

describe('multipart uploads over the limit', () => {
  it('answer 413 and keep nothing', async () => {
    const before = await storedFiles();
    const res = await request(h.app)
      .post('/v1/purchase-histories')
      .set(bearer(acme.tokens.admin))
      .attach('file', Buffer.alloc(LIMIT + 10, 'a'), 'big.csv');
    expect(res.status).toBe(413);
    expect(await storedFiles()).toEqual(before);
  });
});
