import { createTestAccount, type TestAccount } from '@customer-hub/testing';
import request from 'supertest';
import { bearer, createHarness, type Harness, uploadPurchaseHistory } from './support/harness';

/**
 * Large files are read in 64 KB blocks: plain blocks straight from their bytes, any other block by the full CSV
 * reader; rows go into chunks of 5,000 here, each indexed while the next loads. These files put every kind of
 * unusual line after the first block, a quoted field across block boundaries and duplicates across chunks,
 * and check that the result is what reading line by line gives.
 */
let h: Harness;
let acme: TestAccount;

beforeAll(async () => {
  h = await createHarness({ PURCHASE_HISTORY_CHUNK_ROWS: '5000' });
  acme = await createTestAccount(h.ds);
  await h.startWorkers();
});
afterAll(() => h.cleanup());

const BLOCK = 64 * 1024;

/** Builds a file line by line, keeping what reading it must give. */
class FileModel {
  private parts: string[] = [];
  bytes = 0;
  line = 1;
  readonly pairs = new Map<string, number>();
  readonly errors: string[] = [];

  raw(text: string, lines: number): void {
    this.parts.push(text);
    this.bytes += Buffer.byteLength(text);
    this.line += lines;
  }

  row(ref: string, code: string, text = `${ref},${code}\n`): void {
    const key = `${ref}\t${code}`;
    this.pairs.set(key, (this.pairs.get(key) ?? 0) + 1);
    this.raw(text, text.split(/\r\n|\n/).length - 1);
  }

  bad(text: string, error: string): void {
    this.errors.push(`${this.line},${error}`);
    this.raw(text, 1);
  }

  get body(): Buffer {
    return Buffer.from(this.parts.join(''));
  }
}

const plain = (m: FileModel, until: number) => {
  while (m.bytes < until) m.row(`C${(m.line * 7) % 900}`, `P${(m.line * 13) % 1300}`);
};

it('reads a large file the same whatever mix of plain and unusual lines it has', async () => {
  const m = new FileModel();
  m.raw('customer,product\n', 1);
  plain(m, BLOCK * 2 - 40);
  // A quoted note in an ignored column, longer than a block and made of lines that look like rows.
  const note = 'X1,P1\n'.repeat(12_000);
  m.row('C1', 'P1', `C1,P1,"${note}"\n`);
  plain(m, BLOCK * 3);
  m.bad('C2,\n', '2 (product),,product is empty');
  plain(m, BLOCK * 4);
  m.row('Müller', 'P1');
  m.row('C1', 'P1', '  C1 ,  P1  \n'); // trimmed: a duplicate of a pair read from bytes
  m.bad(`C3,${'x'.repeat(65)}\n`, `2 (product),${'x'.repeat(65)},product is longer than 64 characters (65)`);
  plain(m, BLOCK * 5);
  for (let i = 0; i < 3000; i++) m.row(`C${i % 700}`, `Q${i % 40}`, `C${i % 700},Q${i % 40},extra,columns\r\n`);
  m.row('C4', 'P "4"', 'C4,"P ""4"""\n');
  m.bad('C5,P\u0001\n', '2 (product),P\u0001,product contains a control character (U+0001)');
  plain(m, BLOCK * 7);
  m.raw('\n\n', 2);
  plain(m, BLOCK * 8);

  const job = await uploadPurchaseHistory(h, acme.tokens.admin, m.body, '?maxErrors=10');
  expect({ state: job.state, error: job.error }).toEqual({ state: 'succeeded', error: undefined });
  const loaded = [...m.pairs.values()].reduce((a, b) => a + b, 0);
  const keys = [...m.pairs.keys()];
  expect(job.counts).toMatchObject({
    rows: m.pairs.size,
    duplicates: loaded - m.pairs.size,
    rejected: m.errors.length,
    customers: new Set(keys.map((k) => k.split('\t')[0])).size,
    products: new Set(keys.map((k) => k.split('\t')[1])).size,
  });
  const report = await request(h.app).get(`/v1/jobs/${job.id}/files/errors.csv`).set(bearer(acme.tokens.admin));
  for (const e of m.errors) expect(report.text).toContain(e);

  const stored = await h.ds.query(
    `SELECT customer_ref || E'\\t' || product_code AS pair FROM purchase_history_rows r
       JOIN purchase_history_versions v ON v.id = r.version_id WHERE v.id = $1`,
    [job.counts.version],
  );
  expect(stored.map((r: { pair: string }) => r.pair).sort()).toEqual(keys.sort());
  expect(keys).not.toContain('X1\tP1');
  const [{ chunks }] = await h.ds.query(
    'SELECT count(DISTINCT chunk)::int AS chunks FROM purchase_history_rows WHERE version_id = $1',
    [job.counts.version],
  );
  expect(chunks).toBeGreaterThan(3);
});

it('cuts the last chunks short, since their indexes are the ones that follow the load', async () => {
  // 20,000 distinct rows with a long ignored column (a few hundred rows per block): without the short tail
  // they would make four chunks of 5,000.
  let body = 'customer,product,note\n';
  for (let i = 0; i < 20_000; i++) body += `T${i % 997},P${i},${'x'.repeat(200)}\n`;
  const job = await uploadPurchaseHistory(h, acme.tokens.admin, body, '?header=true');
  expect(job.state).toBe('succeeded');
  const sizes: number[] = (
    await h.ds.query(
      'SELECT count(*)::int AS n FROM purchase_history_rows WHERE version_id = $1 GROUP BY chunk ORDER BY chunk',
      [job.counts.version],
    )
  ).map((r: { n: number }) => r.n);
  expect(sizes.reduce((a, n) => a + n, 0)).toBe(20_000);
  expect(sizes.slice(0, 2).map((n) => n >= 5_000)).toEqual([true, true]);
  // Then each holds about what is left after it, down to an eighth of a chunk (give or take a block).
  const rest = sizes.slice(2);
  expect(rest.length).toBeGreaterThanOrEqual(4);
  for (let i = 0; i + 1 < rest.length; i++) expect(rest[i + 1]!).toBeLessThanOrEqual(rest[i]! + 400);
  expect(rest.at(-1)!).toBeLessThanOrEqual(625 + 400);
});

it('names the line and byte of an invalid UTF-8 sequence far into the file', async () => {
  const m = new FileModel();
  m.raw('customer,product\n', 1);
  plain(m, BLOCK * 3);
  const at = { line: m.line, byte: m.bytes + 3 };
  const body = Buffer.concat([m.body, Buffer.from([0x43, 0x39, 0x2c, 0xc3, 0x28, 0x0a]), Buffer.from('C1,P1\n')]);
  const job = await uploadPurchaseHistory(h, acme.tokens.admin, body, '?encoding=utf-8');
  expect(job.state).toBe('failed');
  expect(job.error.message).toContain(`line ${at.line}: bytes 0xC3 0x28`);
  expect(job.error.message).toContain(`(at byte ${at.byte})`);
});

it('reads lines whose CR and LF fall on either side of a block boundary, and files that end lines in CR alone', async () => {
  // CRLF lines, one of them with its CR as the first block's last byte and its LF starting the second.
  let text = 'customer,product\r\n';
  let n = 0;
  while (Buffer.byteLength(text) < BLOCK + 1 - 60) text += `C${n},P${n++}\r\n`;
  text += `C${n++},${'P'.repeat(BLOCK + 1 - Buffer.byteLength(text) - `C${n - 1},`.length - 2)}\r\n`;
  expect(
    Buffer.from(text)
      .subarray(BLOCK - 1, BLOCK + 1)
      .toString(),
  ).toBe('\r\n');
  while (Buffer.byteLength(text) < BLOCK * 3) text += `C${n},P${n++}\r\n`;
  const crlf = await uploadPurchaseHistory(h, acme.tokens.admin, text);
  expect({ state: crlf.state, rows: crlf.counts.rows, rejected: crlf.counts.rejected }).toEqual({
    state: 'succeeded',
    rows: n,
    rejected: 0,
  });

  // The same rows with CR alone for a line end.
  const cr = await uploadPurchaseHistory(h, acme.tokens.admin, text.replaceAll('\r\n', '\r'));
  expect({ state: cr.state, rows: cr.counts.rows, rejected: cr.counts.rejected }).toEqual({
    state: 'succeeded',
    rows: n,
    rejected: 0,
  });
  const [{ codes }] = await h.ds.query(
    `SELECT count(*)::int AS codes FROM purchase_history_rows WHERE version_id = $1 AND product_code LIKE 'PPPP%'`,
    [cr.counts.version],
  );
  expect(codes).toBe(1);
});
