import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { type DataSource, sqlRows } from '@customer-hub/db';
import { waitFor } from '@customer-hub/testing';

const ROOT = path.resolve(__dirname, '../..');

export interface Child {
  proc: ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
}

/** Runs a TypeScript entry point of the project (e.g. `apps/worker/src/main.ts`) as its own Node process. */
export function spawnTs(entry: string, env: Record<string, string>): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, entry)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d) => (out += d));
  proc.stderr?.on('data', (d) => (out += d));
  const exited = new Promise<number | string>((resolve) =>
    proc.on('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return { proc, output: () => out, exited };
}

/** Peak resident memory of a process so far (Linux VmHWM), in bytes. */
export function peakRss(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmHWM:\s+(\d+) kB/.exec(status);
  if (!kb) throw new Error(`no VmHWM for process ${pid}`);
  return Number(kb[1]) * 1024;
}

/** Stops a child if it is still running (test clean-up). */
export async function ensureStopped(child: Child | undefined): Promise<void> {
  if (!child || child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  child.proc.kill('SIGKILL');
  await child.exited;
}

/** Settings under which a killed worker's job is picked up again within seconds. */
export const FAST_RECOVERY = { LOG_LEVEL: 'info', JOB_LOCK_MS: '2000', JOB_STALLED_CHECK_MS: '1000' };

/** Worker processes started by a test, all stopped by `stopAll()` (call it in afterEach). */
export function workerProcesses(env: () => Record<string, string>) {
  const children: Child[] = [];
  return {
    start(extra: Record<string, string> = {}): Child {
      const child = spawnTs('apps/worker/src/main.ts', { ...env(), ...extra });
      children.push(child);
      return child;
    },
    stopAll: () => Promise.all(children.splice(0).map(ensureStopped)),
  };
}

/** Waits until some connection to the test database runs a statement matching one of `patterns` (ILIKE). */
export const runningQuery = (ds: DataSource, patterns: string[]) =>
  waitFor(
    `a query like ${patterns.join(' or ')}`,
    async () => {
      const rows = await sqlRows(
        ds,
        `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query ILIKE ANY ($1)`,
        [patterns],
      );
      return rows.length ? true : undefined;
    },
    60_000,
  );

/**
 * A TCP port on 127.0.0.1 that nothing listens on, chosen by the kernel (a random pick in the ephemeral range
 * can collide with the local end of some open connection, and the server then fails to start).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** True once something accepts TCP connections on 127.0.0.1:`port`; undefined until then (for `waitFor`). */
export const canConnect = (port: number) =>
  new Promise<true | undefined>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(undefined));
  });
