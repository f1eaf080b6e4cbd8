import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createAccount } from '@customer-hub/accounts';
import { loadConfig } from '@customer-hub/config';
import { createDataSource, type DataSource, ensureDatabase, runMigrations } from '@customer-hub/db';
import { createRedisClient } from '@customer-hub/queue';
import { deleteKeys, freePort } from '@customer-hub/testing';

export const ROOT = path.resolve(__dirname, '../..');

/** The worker's V8 heap flags, as in package.json's start:worker. */
const WORKER_SCRIPT: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts[
  'start:worker'
];
const WORKER_HEAP_FLAGS = WORKER_SCRIPT.match(/--max-(?:old|semi)-space-size=\d+/g) ?? [];

/** Peak resident memory of a process so far (VmHWM), in MB. */
export const peakRssMb = (pid: number) =>
  Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** CPU seconds a process has used so far (user + system). */
export function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** CPU seconds the whole machine has used so far (every core, every process). */
export function machineCpuSeconds(): number {
  const [, ...ticks] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq] = ticks.map(Number) as number[];
  return (user! + nice! + system! + irq! + softirq!) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100;

export const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

/** The middle of repeated measurements (a shared machine's speed wanders from run to run). */
export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export interface BenchWorld extends BenchData {
  databaseUrl: string;
  api: ChildProcess;
  worker: ChildProcess;
  /** Runs SQL through psql, as an operator would (the baseline side of each benchmark). */
  psql(sql: string): void;
}

/** Starts the API or the worker as `npm start` would (the worker with its heap flags) and waits until it is ready. */
export function startProcess(entry: string, env: Record<string, string>): Promise<ChildProcess> {
  const worker = entry.includes('worker');
  const profile =
    process.env.BENCH_PROFILE && (worker || process.env.BENCH_PROFILE === 'all')
      ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof']
      : [];
  // The heap sizes `npm run start:worker` gives the worker (see README: worker memory).
  const heap = worker ? WORKER_HEAP_FLAGS : [];
  const child = spawn(process.execPath, [...heap, ...profile, '--import', 'tsx', entry], {
    cwd: ROOT,
    env: { ...process.env, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = entry.includes('api') ? 'API listening' : 'workers started';
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      // BENCH_LOG=<file>: every log line of the API and worker, for reading where the time goes.
      if (process.env.BENCH_LOG) fs.appendFileSync(process.env.BENCH_LOG, d);
      if (out.includes(ready)) resolve(child);
      // Phase timings of the worker, for reading alongside the totals.
      for (const line of String(d).split('\n')) {
        const m = /"phase":"(\w+)","ms":([\d.]+)/.exec(line);
        if (m) console.log(`  worker phase ${m[1]!.padEnd(10)} ${(Number(m[2]) / 1000).toFixed(2)} s`);
      }
      if (out.length > 100_000) out = out.slice(-1000);
    });
    child.once('exit', (code) => reject(new Error(`${entry} exited with ${code}`)));
  });
}

/** A throwaway database (with one account), file store and queue prefix, and the env that points processes at them. */
export interface BenchData {
  env: Record<string, string>;
  ds: DataSource;
  token: string;
  accountId: string;
  port: number;
  /** Drops the database, the files and the queue prefix's Redis keys (stop the processes first). */
  close(): Promise<void>;
}

export async function benchData(name: string): Promise<BenchData> {
  const base = loadConfig();
  const dbName = `hub_bench_${name}_${process.pid}`;
  const dbUrl = new URL(base.database.url);
  dbUrl.pathname = `/${dbName}`;
  const files = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-bench-'));
  const port = await freePort();
  const env = {
    DATABASE_URL: dbUrl.toString(),
    FILE_STORE_DIR: files,
    QUEUE_PREFIX: `bench${process.pid}`,
    PORT: String(port),
    HOST: '127.0.0.1',
    JOB_PROGRESS_INTERVAL_MS: '1000',
  };
  await ensureDatabase(env.DATABASE_URL);
  const ds = await createDataSource(loadConfig(env)).initialize();
  await runMigrations(ds);
  const { token, account } = await createAccount(ds, { name: `Bench ${name}`, adminEmail: 'bench@bench.test' });
  return {
    env,
    ds,
    token: token.token,
    accountId: account.id,
    port,
    async close() {
      await ds.destroy();
      const admin = createDataSource(loadConfig({ DATABASE_URL: base.database.url.replace(/\/[^/]*$/, '/postgres') }));
      await admin.initialize();
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.destroy();
      // The jobs the benchmark queued, and the queues' own keys.
      const config = loadConfig(env);
      const redis = createRedisClient(config, 'worker');
      await deleteKeys(redis, `${config.redis.prefix}:*`);
      redis.disconnect();
      fs.rmSync(files, { recursive: true, force: true });
    },
  };
}

/** Stops a process started by {@link startProcess} and waits until it has exited. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  if (child.exitCode === null) await new Promise((exited) => child.once('exit', exited));
}

/** {@link benchData} with an API and a worker process on it. */
export async function benchWorld(name: string): Promise<BenchWorld> {
  const data = await benchData(name);
  const { env } = data;
  const api = await startProcess('apps/api/src/main.ts', env);
  const worker = await startProcess('apps/worker/src/main.ts', env);
  return {
    ...data,
    databaseUrl: env.DATABASE_URL!,
    api,
    worker,
    psql: (sql) =>
      execFileSync('psql', ['-q', '-v', 'ON_ERROR_STOP=1', env.DATABASE_URL!, '-c', sql], { stdio: 'inherit' }),
    async close() {
      await Promise.all([api, worker].map(stopProcess));
      await data.close();
    },
  };
}

/** Polls a job until it finishes (peak memory needs no sampling: peakRssMb reads the kernel's high-water mark). */
export async function waitForJobDone(w: BenchWorld, jobId: string) {
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${w.port}/v1/jobs/${jobId}`, {
      headers: { Authorization: `Bearer ${w.token}` },
    });
    const job = (await res.json()) as { state: string; counts: Record<string, number>; error?: unknown };
    if (!['queued', 'running'].includes(job.state)) return job;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A realistic purchase history: each customer buys from a few product families; ~1% of lines repeat a pair. */
export function generatePurchaseHistory(file: string, ROWS: number, CUSTOMERS: number, PRODUCTS: number) {
  let rng = 2_463_534_242;
  const rand = () => {
    // xorshift32: fast, repeatable, good enough to spread customers and products
    rng ^= rng << 13;
    rng ^= rng >>> 17;
    rng ^= rng << 5;
    return (rng >>> 0) / 4_294_967_296;
  };
  return writeLines(file, 'CustomerID,StockCode', ROWS, () => {
    const c = Math.floor(rand() * CUSTOMERS);
    const p = rand() < 0.01 ? c % PRODUCTS : Math.floor(((rand() + c / CUSTOMERS) % 1) * PRODUCTS);
    return `C${String(c).padStart(7, '0')},SKU-${String(p).padStart(6, '0')}`;
  });
}

/** Writes a header and `count` generated lines to a file, in 1 MB writes that respect backpressure. */
export function writeLines(file: string, header: string, count: number, line: (i: number) => string): Promise<void> {
  const out = fs.createWriteStream(file);
  let buf = `${header}\n`;
  let i = 0;
  return new Promise((resolve) => {
    const pump = () => {
      while (i < count) {
        buf += `${line(i)}\n`;
        i++;
        if (buf.length > 1 << 20) {
          const ok = out.write(buf);
          buf = '';
          if (!ok) return void out.once('drain', pump);
        }
      }
      out.end(buf, resolve);
    };
    pump();
  });
}

/** Streams a file to an upload route; resolves with the job id. */
export function uploadFile(w: BenchWorld, route: string, file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port: w.port,
      method: 'POST',
      path: route,
      headers: {
        Authorization: `Bearer ${w.token}`,
        'Content-Type': 'text/csv',
        'Content-Length': fs.statSync(file).size,
      },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () =>
        res.statusCode === 202 ? resolve(JSON.parse(body).jobId) : reject(new Error(`${res.statusCode} ${body}`)),
      );
    });
    req.on('error', reject);
    fs.createReadStream(file).pipe(req);
  });
}
