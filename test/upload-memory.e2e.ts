import {
  createTestAccount,
  createTestEnv,
  freePort,
  type TestAccount,
  type TestEnv,
  waitFor,
} from '@customer-hub/testing';
import { type Child, ensureStopped, peakRss, spawnTs } from './support/processes';
import { postGenerated } from './support/upload';

const UPLOAD = 200 * 1024 * 1024;
let env: TestEnv;
let acme: TestAccount;
let api: Child;
let port: number;

beforeAll(async () => {
  env = await createTestEnv({ LOG_LEVEL: 'info' });
  acme = await createTestAccount(env.ds);
  port = await freePort();
  api = spawnTs('apps/api/src/main.ts', { ...env.env, PORT: String(port) });
  await waitFor('the API to listen', async () => (api.output().includes('API listening') ? true : undefined), 30_000);
});
afterAll(async () => {
  await ensureStopped(api);
  await env.cleanup();
});

const send = async (total: number) =>
  (
    await postGenerated({
      port,
      path: '/v1/purchase-histories?fileName=big.csv',
      token: acme.tokens.admin,
      total,
      chunkSize: 256 * 1024,
    })
  ).status;

it("streams purchase-history uploads with the API process's peak memory flat whatever the size", async () => {
  // A first upload fills V8's garbage headroom for socket buffers (about 35 MB on this machine, whatever the
  // upload size; on a busy machine it takes more than a few MB of traffic to get there). After that an upload
  // twice as large must not move the peak by more than a few MB.
  const start = peakRss(api.proc.pid!);
  expect(await send(UPLOAD / 2)).toBe(202);
  const before = peakRss(api.proc.pid!);
  expect(before - start).toBeLessThan(64 * 1024 * 1024);
  expect(await send(UPLOAD)).toBe(202);
  const growth = peakRss(api.proc.pid!) - before;
  const stored = await env.ds.query(
    `SELECT params->>'inputFile' AS key FROM job_runs ORDER BY created_at DESC LIMIT 1`,
  );
  expect((await env.files.stat(stored[0].key))?.bytes).toBe(UPLOAD);
  expect(growth).toBeLessThan(8 * 1024 * 1024);
});
