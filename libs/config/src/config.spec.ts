import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('has defaults that work against local Postgres and Redis', () => {
    const c = loadConfig({});
    expect(c.database.url).toBe('postgres://postgres@127.0.0.1:5432/customer_hub');
    expect(c.redis).toMatchObject({ url: 'redis://127.0.0.1:6379', prefix: 'hub' });
    expect(c.http.port).toBe(3000);
    expect(c.jobs.concurrency.diagnostic).toBe(2);
    expect(c.http.uploadMaxBytes).toBe(2 * 1024 ** 3);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '' }).http.port).toBe(3000);
  });

  it('reads per-queue concurrency over the default', () => {
    const c = loadConfig({ QUEUE_CONCURRENCY: '4', QUEUE_CONCURRENCY_DIAGNOSTIC: '1' });
    expect(c.jobs.concurrency.diagnostic).toBe(1);
  });

  it('names every bad variable, its value and the rule', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', QUEUE_CONCURRENCY_DIAGNOSTIC: '0' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain('PORT="eighty"');
    expect(msg).toContain('DATABASE_URL="mysql://x": must be a URL starting with postgres:// or postgresql://');
    expect(msg).toContain('QUEUE_CONCURRENCY_DIAGNOSTIC="0": must be a whole number >= 1');
  });

  it('is frozen, deep down', () => {
    const c = loadConfig({});
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.jobs.keepCompleted)).toBe(true);
    expect(() => {
      (c.http as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('strips a trailing slash from PUBLIC_BASE_URL and resolves FILE_STORE_DIR', () => {
    const c = loadConfig({ PUBLIC_BASE_URL: 'https://hub.example.com/', FILE_STORE_DIR: 'relative/dir' });
    expect(c.http.publicBaseUrl).toBe('https://hub.example.com');
    expect(c.files.dir).toMatch(/^\/.*relative\/dir$/);
  });
});

describe('.env.example', () => {
  const fs = require('node:fs') as typeof import('node:fs');
  const path = require('node:path') as typeof import('node:path');
  const text = fs.readFileSync(path.resolve(__dirname, '../../../.env.example'), 'utf8');
  const listed = Object.fromEntries(
    [...text.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1]!, m[2]!.replace(/^"(.*)"$/, '$1')]),
  );

  it('lists and explains every variable the config reads, and no other', () => {
    const { CONFIG_VARIABLES } = require('./config') as typeof import('./config');
    expect(Object.keys(listed).sort()).toEqual([...CONFIG_VARIABLES].sort());
    for (const name of CONFIG_VARIABLES) {
      // The paragraph the variable stands in has a comment explaining it (or its group).
      const paragraph =
        text
          .slice(0, text.indexOf(`\n${name}=`))
          .split(/\n\s*\n/)
          .at(-1) ?? '';
      expect({ name, explained: /^#/m.test(paragraph) }).toEqual({ name, explained: true });
    }
  });

  it('holds values the config accepts', () => {
    expect(() => loadConfig(listed)).not.toThrow();
  });
});
