import { CsvSplitter, type TextBlock } from '@customer-hub/csv';
import type { ItemStager, StagedBatch } from './item-stager';
import type { BlockResult } from './staging-thread';
import { StagingThreads } from './staging-threads';

interface Sent {
  block: TextBlock;
  startLine: number;
  result: Promise<BlockResult>;
}

/**
 * Stages a CSV file's text blocks in order: the header and the blocks before it in this thread, then, with
 * `threads` > 0, the rest in that many staging threads, a few blocks ahead. A thread's block is taken only if it
 * ended between records and started on the line the block before it ended on; otherwise that block and all
 * after it are staged here, from where the last taken one ended (a file with broken quoting, or lines ended by a
 * bare CR). So the batches are the same, in the same order, with the same line numbers, as when staged here.
 */
export async function* stageBlocks(
  blocks: AsyncIterable<TextBlock>,
  items: ItemStager,
  o: { delimiter: string; threads: number },
): AsyncGenerator<StagedBatch> {
  const splitter = new CsvSplitter(o.delimiter);
  const here = (block: TextBlock) => items.stageText(splitter, block.text, block.last);
  let threads: StagingThreads | null = null;
  let inThreads = false;
  /** The line the next block taken from a thread must start on. */
  let expected = 0;
  /** The line the next block sent to a thread starts on, counting line feeds. */
  let nextStart = 0;
  const sent: Sent[] = [];
  const backHere = () => {
    if (!inThreads) return;
    inThreads = false;
    // The splitter has seen nothing since the threads took over, when it stood between records.
    splitter.line = expected;
  };
  async function* settle(keep: number): AsyncGenerator<StagedBatch> {
    while (sent.length > keep) {
      const { block, startLine, result } = sent.shift()!;
      const r = await result;
      if (inThreads && r.idle && startLine === expected) {
        expected = r.endLine;
        yield { copy: r.copy, problems: r.problems, items: r.items };
        continue;
      }
      backHere();
      yield* here(block);
    }
  }
  try {
    for await (const block of blocks) {
      if (!threads && o.threads > 0 && items.layout && splitter.idle && block.cut && !block.last) {
        threads = new StagingThreads(o.threads, { header: items.header, spec: items.spec, delimiter: o.delimiter });
        inThreads = true;
        expected = nextStart = splitter.line;
      }
      if (inThreads && block.cut) {
        const result = threads!.stage({ text: block.text, startLine: nextStart, last: block.last });
        // Awaited in turn below; a failed thread must not also leave the blocks after it rejected unheard.
        result.catch(() => {});
        sent.push({ block, startLine: nextStart, result });
        nextStart += block.lineFeeds;
        yield* settle(2 * o.threads);
        continue;
      }
      yield* settle(0);
      backHere();
      yield* here(block);
    }
    yield* settle(0);
  } finally {
    await threads?.close();
  }
}
