import path from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { BlockJob, BlockResult, ThreadInit } from './staging-thread';

/** A staging thread's heap: blocks of about a megabyte and their lines, not the file. */
const THREAD_LIMITS = { maxOldGenerationSizeMb: 64 };

/** The thread's entry, run as this module is: compiled, or TypeScript through tsx's require hook as `npm start` runs. */
const ENTRY = path.join(__dirname, `staging-thread${path.extname(__filename)}`);
const startThread = (options: WorkerOptions) =>
  ENTRY.endsWith('.ts')
    ? new Worker(`require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(ENTRY)});`, {
        ...options,
        eval: true,
      })
    : new Worker(ENTRY, options);

/**
 * Staging threads of one import, given blocks in turn. A thread that fails fails every block waiting on it, and
 * the import with them.
 */
export class StagingThreads {
  private readonly threads: Worker[];
  private readonly waiting = new Map<number, { resolve(r: BlockResult): void; reject(e: Error): void }>();
  private seq = 0;
  private failure: Error | null = null;
  private closing = false;

  constructor(count: number, init: ThreadInit) {
    this.threads = Array.from({ length: count }, () => {
      const t = startThread({ workerData: init, resourceLimits: THREAD_LIMITS });
      t.on('message', (r: BlockResult) => {
        const waiter = this.waiting.get(r.seq);
        this.waiting.delete(r.seq);
        waiter?.resolve(r);
      });
      t.on('error', (err) => this.fail(err));
      t.on('exit', (code) => {
        if (!this.closing) this.fail(new Error(`a staging thread stopped (exit code ${code})`));
      });
      return t;
    });
  }

  private fail(err: Error) {
    this.failure ??= err;
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
  }

  stage(block: Omit<BlockJob, 'seq'>): Promise<BlockResult> {
    if (this.failure) return Promise.reject(this.failure);
    const seq = this.seq++;
    const thread = this.threads[seq % this.threads.length]!;
    return new Promise((resolve, reject) => {
      this.waiting.set(seq, { resolve, reject });
      thread.postMessage({ ...block, seq } satisfies BlockJob);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.threads.map((t) => t.terminate()));
  }
}
