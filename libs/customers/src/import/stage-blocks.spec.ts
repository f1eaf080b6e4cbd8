import { textBlocks } from '@customer-hub/csv';
import { ItemStager, type RowProblem } from './item-stager';
import { stageBlocks } from './stage-blocks';

const HEADER = 'customer_number,name,email,billing_line1,labels';
const SPEC = { blank: 'ignore' as const, separator: '|', deleting: false };

/** Rows with quoted line breaks, delimiters and quotes, blank lines, CRLF and a bad email every so often. */
function rows(count: number, from = 0): string[] {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    const line1 = i % 7 === 0 ? `"Unit ${i}\nRear ""B"", yard"` : `${i} High St`;
    const email = i % 500 === 13 ? 'not-an-email' : `o${i}@example.com`;
    const end = i % 11 === 0 ? '\r\n' : i % 97 === 0 ? '\n\n' : '\n';
    return `C${i},"Foods ${i}, Ltd",${email},${line1},vip|n${i % 3}${end}`;
  });
}

async function* chunked(text: string) {
  for (let i = 0; i < text.length; i += 1000) yield text.slice(i, i + 1000);
}

/** What staging `text` gives, with `threads` staging threads and small blocks; new customers' ids masked. */
async function staged(text: string, threads: number) {
  const items = new ItemStager(SPEC);
  let copy = '';
  const problems: RowProblem[] = [];
  let count = 0;
  let fromThreads = 0;
  /** Batches staged here after some were staged in threads. */
  let afterThreads = 0;
  for await (const b of stageBlocks(textBlocks(chunked(text), 4000), items, { delimiter: ',', threads })) {
    if (b.copy instanceof Uint8Array) fromThreads++;
    else if (fromThreads > 0 && b.items > 0) afterThreads++;
    copy += b.copy instanceof Uint8Array ? Buffer.from(b.copy).toString('utf8') : b.copy.join('');
    problems.push(...b.problems);
    count += b.items;
  }
  copy = copy.replace(/\t[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}\n/g, '\tID\n');
  return { copy, problems, count, fromThreads, afterThreads };
}

describe('stageBlocks', () => {
  it('stages a file in threads exactly as in the job’s own thread', async () => {
    const text = `${HEADER}\n${rows(3000).join('')}`;
    const here = await staged(text, 0);
    const threads = await staged(text, 2);
    expect(here.fromThreads).toBe(0);
    expect(threads.fromThreads).toBeGreaterThan(40);
    expect(threads.afterThreads).toBe(0);
    expect(threads).toEqual({ ...here, fromThreads: threads.fromThreads });
    expect(here.count).toBe(3001);
    expect(here.copy.split('\n').length - 1).toBe(3000 - 6);
    // Row 2513's line: the header, 2,513 rows before it, their quoted breaks and blank lines.
    const before = `${HEADER}\n${rows(2513).join('')}`;
    const line = before.split(/\r?\n/).length;
    expect(here.problems).toContainEqual({
      line,
      column: '3 (email)',
      value: 'not-an-email',
      message: expect.stringContaining('email'),
    });
  });

  it.each([
    ['broken quoting', 'C900,Foods "900" Ltd,o@example.com,"a,b\n'],
    ['a line ended by a bare CR', 'C900,Foods 900,o@example.com,1 St,a\rC9001,Foods 9001,p@example.com,2 St,b\n'],
  ])('goes back to its own thread after %s, with the same lines and line numbers', async (_, odd) => {
    const text = `${HEADER}\n${rows(900).join('')}${odd}${rows(1100, 901).join('')}`;
    const here = await staged(text, 0);
    const threads = await staged(text, 2);
    expect(threads.fromThreads).toBeGreaterThan(5);
    expect(threads.afterThreads).toBeGreaterThan(5);
    expect(threads).toEqual({ ...here, fromThreads: threads.fromThreads, afterThreads: threads.afterThreads });
    // The last bad email (row 1513) is numbered past the odd line (a bare CR counts as a line break).
    const lastBad = text.slice(0, text.indexOf('C1513,')).split(/\r\n|\r|\n/).length;
    expect(here.problems.at(-1)).toMatchObject({ line: lastBad, value: 'not-an-email' });
  });
});
