import { type ApiDeps, createApp, v1Routes } from '@customer-hub/api';
import { loadConfig } from '@customer-hub/config';
import { DAYS } from '@customer-hub/customers';
import { redisOptions } from '@customer-hub/queue';
import { createTestAccount, type TestAccount, waitForJob } from '@customer-hub/testing';
import IORedis from 'ioredis';
import request from 'supertest';
import { bearer, createHarness, type Harness } from './support/harness';

let h: Harness;
let acme: TestAccount;

beforeAll(async () => {
  h = await createHarness();
  acme = await createTestAccount(h.ds);
  await h.startWorkers();
});
afterAll(() => h.cleanup());

describe('health', () => {
  it('/healthz says the process is up, without a token', async () => {
    const res = await request(h.app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('/readyz is ready when Postgres and Redis answer', async () => {
    const res = await request(h.app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body.checks).toEqual({ postgres: 'ok', redis: 'ok' });
  });

  it('/readyz answers 503 naming Redis when Redis is unreachable', async () => {
    const config = loadConfig({ ...h.env, REDIS_URL: 'redis://127.0.0.1:1', REDIS_COMMAND_TIMEOUT_MS: '300' });
    // ioredis's disconnect leaves a 2 s timer behind when the connection already failed (it waits for a close
    // that came before): a timeout of 0 lets this file's worker exit as soon as its tests end.
    const redis = new IORedis({ ...redisOptions(config, 'producer'), disconnectTimeout: 0 });
    redis.on('error', () => {});
    const deps: ApiDeps = { ...h.deps, config, redis };
    try {
      const res = await request(createApp(deps)).get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body.error).toMatchObject({ code: 'not_ready', details: { postgres: 'ok', redis: 'unreachable' } });
    } finally {
      redis.disconnect();
    }
  });
});

describe('/metrics', () => {
  it('needs a token', async () => {
    expect((await request(h.app).get('/metrics')).status).toBe(401);
  });

  it("exposes HTTP metrics, the account's jobs by kind and state, durations and queue depth", async () => {
    const id = (await request(h.app).post('/v1/diagnostics').set(bearer(acme.tokens.admin)).send({ steps: 1 })).body
      .jobId;
    await waitForJob(h.ds, id);
    const res = await request(h.app).get('/metrics').set(bearer(acme.tokens.ops));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain('hub_jobs{kind="diagnostic",state="succeeded"} 1');
    expect(res.text).toContain('hub_job_duration_seconds_count{kind="diagnostic"} 1');
    expect(res.text).toMatch(/hub_job_duration_seconds_bucket\{kind="diagnostic",le="\+Inf"\} 1/);
    expect(res.text).toMatch(/hub_queue_jobs\{queue="diagnostic",state="waiting"\} \d+/);
    expect(res.text).toMatch(/hub_http_requests_total\{method="POST",route="\/v1\/diagnostics",status="202"\} 1/);
  });

  it("counts only the caller's account", async () => {
    const other = await createTestAccount(h.ds);
    const res = await request(h.app).get('/metrics').set(bearer(other.tokens.ops));
    expect(res.text).not.toContain('hub_jobs{kind="diagnostic"');
  });
});

describe('OpenAPI document', () => {
  it('is served at /v1/openapi.json', async () => {
    const res = await request(h.app).get('/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
  });

  it('documents every /v1 route with its method and permission', async () => {
    const doc = (await request(h.app).get('/v1/openapi.json')).body;
    for (const r of v1Routes) {
      const path = `/v1${r.path.replace(/:([A-Za-z_]+)/g, '{$1}')}`;
      expect(doc.paths[path]?.[r.method]).toMatchObject({ 'x-permission': r.permission, summary: expect.any(String) });
    }
  });

  it('describes each JSON request body as the schema its handler checks, not a bare object', async () => {
    const doc = (await request(h.app).get('/v1/openapi.json')).body;
    const bodies: [string, object][] = [];
    for (const [path, methods] of Object.entries(
      doc.paths as Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: object }> } }>>,
    )) {
      for (const [method, op] of Object.entries(methods)) {
        const schema = op.requestBody?.content?.['application/json']?.schema;
        if (schema) bodies.push([`${method} ${path}`, schema]);
      }
    }
    expect(bodies.length).toBeGreaterThan(15);
    for (const [where, schema] of bodies) {
      const described = 'properties' in schema || 'oneOf' in schema || 'anyOf' in schema;
      expect({ where, described }).toEqual({ where, described: true });
    }
    const create = doc.paths['/v1/customers'].post.requestBody.content['application/json'].schema;
    expect(create.required).toEqual(expect.arrayContaining(['number', 'name']));
    expect(create.additionalProperties).toBe(false);
    expect(create.properties.deliveryDays.anyOf[0].items.enum).toEqual([...DAYS]);
    const exportKinds = doc.paths['/v1/exports'].post.requestBody.content['application/json'].schema.oneOf.map(
      (b: { properties: { kind: { const: string } } }) => b.properties.kind.const,
    );
    expect(exportKinds).toEqual(['products', 'customers']);
    // The list filter's query parameters are the filter's fields, with their types.
    const since = doc.paths['/v1/customers'].get.parameters.find((p: { name: string }) => p.name === 'updatedSince');
    expect(since.schema).toEqual({ type: 'string', format: 'date-time' });
  });

  it('names only routes that exist: each documented path and method is served', async () => {
    const doc = (await request(h.app).get('/v1/openapi.json')).body;
    const paths = Object.entries(doc.paths as Record<string, Record<string, unknown>>);
    expect(paths.length).toBeGreaterThan(8);
    for (const [path, methods] of paths) {
      for (const method of Object.keys(methods)) {
        const url = path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
        const res = await (request(h.app) as unknown as Record<string, (u: string) => request.Test>)[method]!(url)
          .set(bearer(acme.tokens.admin))
          .redirects(0);
        const unrouted = res.status === 404 && /^No route for/.test(res.body?.error?.message ?? '');
        expect({ path, method, unrouted }).toEqual({ path, method, unrouted: false });
      }
    }
  });
});
