import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createAccount } from '@customer-hub/accounts';
import { loadConfig } from '@customer-hub/config';
import { createDataSource, ensureDatabase, runMigrations } from '@customer-hub/db';
import { createRedisClient } from '@customer-hub/queue';
import { deleteKeys } from '@customer-hub/testing';

/**
 * `npm run bench:upload -- --mb 1024`: streams generated uploads of growing size into a separate API process
 * and prints throughput and that process's peak RSS after each, to show memory stays flat whatever the size.
 */
const { values } = parseArgs({ options: { mb: { type: 'string', default: '1024' } } });
const maxMb = Number(values.mb);
const ROOT = path.resolve(__dirname, '../..');

const peakRss = (pid: number) =>
  Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

function send(port: number, token: string, total: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/v1/diagnostics?steps=0',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/csv', 'Content-Length': String(total) },
    });
    req.on('response', (res) => (res.resume(), res.on('end', () => resolve(res.statusCode ?? 0))));
    req.on('error', reject);
    const chunk = Buffer.alloc(256 * 1024, 'C123,P456\n');
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        const n = Math.min(chunk.length, total - sent);
        sent += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

async function main() {
  const dbName = `hub_bench_${process.pid}`;
  const base = loadConfig();
  const dbUrl = new URL(base.database.url);
  dbUrl.pathname = `/${dbName}`;
  const files = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-bench-'));
  const env = {
    DATABASE_URL: dbUrl.toString(),
    FILE_STORE_DIR: files,
    QUEUE_PREFIX: `bench${process.pid}`,
    PORT: '0',
    LOG_LEVEL: 'warn',
  };
  await ensureDatabase(env.DATABASE_URL);
  const ds = await createDataSource(loadConfig(env)).initialize();
  await runMigrations(ds);
  const { token } = await createAccount(ds, { name: 'Bench', adminEmail: 'bench@bench.test' });
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const api: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'apps/api/src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => api.stdout!.on('data', (d) => String(d).includes('API listening') && resolve()));
  try {
    const pid = api.pid!;
    const start = peakRss(pid);
    console.log(`API peak RSS after start: ${start.toFixed(1)} MB`);
    console.log('upload MB | MB/s  | API peak RSS MB | growth since start MB');
    for (let mb = 16; mb <= maxMb; mb *= 4) {
      const t = process.hrtime.bigint();
      const status = await send(port, token.token, mb * 1024 * 1024);
      const s = Number(process.hrtime.bigint() - t) / 1e9;
      if (status !== 202) throw new Error(`upload answered ${status}`);
      const peak = peakRss(pid);
      console.log(
        `${String(mb).padStart(9)} | ${(mb / s).toFixed(0).padStart(5)} | ${peak.toFixed(1).padStart(15)} | ${(peak - start).toFixed(1)}`,
      );
    }
  } finally {
    api.kill('SIGTERM');
    if (api.exitCode === null) await new Promise((exited) => api.once('exit', exited));
    await ds.destroy();
    const admin = createDataSource(loadConfig({ DATABASE_URL: base.database.url.replace(/\/[^/]*$/, '/postgres') }));
    await admin.initialize();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.destroy();
    // The diagnostic jobs it queued, and the queues' own keys.
    const config = loadConfig(env);
    const redis = createRedisClient(config, 'worker');
    await deleteKeys(redis, `${config.redis.prefix}:*`);
    redis.disconnect();
    fs.rmSync(files, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
