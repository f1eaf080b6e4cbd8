import { type ApiDeps, createApp } from '@customer-hub/api';
import type { ProcessorDefinition } from '@customer-hub/queue';
import { createTestAccount, createTestEnv, type TestAccount, type TestEnv, waitForJob } from '@customer-hub/testing';
import { startWorkers, type WorkerRuntime } from '@customer-hub/worker';
import type { Express } from 'express';
import request from 'supertest';

export interface Harness extends TestEnv {
  app: Express;
  deps: ApiDeps;
  /** Starts in-process workers for this env (stopped by cleanup). */
  startWorkers(processors?: ProcessorDefinition[]): Promise<WorkerRuntime>;
}

/** A test env plus the Express app on it; workers on demand. */
export async function createHarness(overrides: Record<string, string> = {}): Promise<Harness> {
  const env = await createTestEnv(overrides);
  const deps: ApiDeps = {
    config: env.config,
    ds: env.ds,
    queues: env.queues,
    files: env.files,
    logger: env.logger,
    redis: env.redis,
  };
  const runtimes: WorkerRuntime[] = [];
  return {
    ...env,
    app: createApp(deps),
    deps,
    async startWorkers(processors) {
      const rt = await startWorkers({ ...deps, processors });
      runtimes.push(rt);
      return rt;
    },
    async cleanup() {
      await Promise.all(runtimes.map((r) => r.stop()));
      await env.cleanup();
    },
  };
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** Uploads a purchase history as the given caller, waits for its job, and returns the job as the API shows it. */
export async function uploadPurchaseHistory(h: Harness, token: string, body: Buffer | string, query = '') {
  const res = await request(h.app)
    .post(`/v1/purchase-histories${query}`)
    .set(bearer(token))
    .set('Content-Type', 'text/csv')
    .send(Buffer.from(body));
  expect(res.status).toBe(202);
  await waitForJob(h.ds, res.body.jobId);
  return (await request(h.app).get(`/v1/jobs/${res.body.jobId}`).set(bearer(token))).body;
}

/**
 * For a test file that needs one harness, one test account and running workers: registers the hooks that make
 * them before its tests and clean up after, and returns where they will be.
 */
export function harnessWithAccount(overrides: Record<string, string> = {}) {
  const made = {} as { h: Harness; acme: TestAccount };
  beforeAll(async () => {
    made.h = await createHarness(overrides);
    made.acme = await createTestAccount(made.h.ds);
    await made.h.startWorkers();
  });
  afterAll(() => made.h.cleanup());
  return made;
}

/** Requests to the harness's app as the holder of `token`. */
export const callsAs = (h: Harness, token: string) => ({
  get: (url: string) => request(h.app).get(url).set(bearer(token)),
  post: (url: string, body?: object) => request(h.app).post(url).set(bearer(token)).send(body),
  patch: (url: string, body: object) => request(h.app).patch(url).set(bearer(token)).send(body),
  put: (url: string, body: object) => request(h.app).put(url).set(bearer(token)).send(body),
  delete: (url: string) => request(h.app).delete(url).set(bearer(token)),
});
