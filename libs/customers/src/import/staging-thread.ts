import { parentPort, workerData } from 'node:worker_threads';
import { CsvSplitter } from '@customer-hub/csv';
import { ItemStager, type RowProblem, type StagingSpec } from './item-stager';

/**
 * A staging thread: splits and stages blocks of a CSV file's text apart from the job's thread, and hands back
 * their COPY lines as UTF-8 bytes (moved, not copied). Started by {@link StagingThreads}.
 */

export interface ThreadInit {
  header: string[];
  spec: StagingSpec;
  delimiter: string;
}

export interface BlockJob {
  seq: number;
  text: string;
  /** The line the block starts on, as the job's thread reckons it. */
  startLine: number;
  last: boolean;
}

export interface BlockResult {
  seq: number;
  copy: Uint8Array;
  problems: RowProblem[];
  items: number;
  /** The line after the block, as the splitter counted. */
  endLine: number;
  /** The block ended between records; when it did not, what it staged is not used. */
  idle: boolean;
}

/** The UTF-8 bytes of a block's COPY lines, in memory of its own (never the shared pool's), so it can be moved. */
class Bytes {
  buf: Buffer;
  at = 0;
  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafeSlow(capacity);
  }
  add(text: string) {
    // A UTF-16 unit is at most 3 UTF-8 bytes.
    if (this.at + text.length * 3 > this.buf.length) {
      const bigger = Buffer.allocUnsafeSlow(Math.max(2 * this.buf.length, this.at + text.length * 3));
      this.buf.copy(bigger, 0, 0, this.at);
      this.buf = bigger;
    }
    this.at += this.buf.write(text, this.at);
  }
}

if (parentPort) {
  const port = parentPort;
  const { header, spec, delimiter } = workerData as ThreadInit;
  const stager = ItemStager.after(header, spec);
  port.on('message', ({ seq, text, startLine, last }: BlockJob) => {
    const splitter = new CsvSplitter(delimiter);
    splitter.line = startLine;
    const bytes = new Bytes(2 * text.length + 4096);
    const problems: RowProblem[] = [];
    let items = 0;
    for (const batch of stager.stageText(splitter, text, last)) {
      bytes.add((batch.copy as string[]).join(''));
      problems.push(...batch.problems);
      items += batch.items;
    }
    const copy = bytes.buf.subarray(0, bytes.at);
    const result: BlockResult = { seq, copy, problems, items, endLine: splitter.line, idle: splitter.idle };
    port.postMessage(result, [bytes.buf.buffer as ArrayBuffer]);
  });
}
