import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { productExportQuery } from '@customer-hub/exports';
import { versionCsvCopy } from '@customer-hub/purchase-history';
import {
  type BenchWorld,
  benchWorld,
  fmt,
  generatePurchaseHistory,
  seconds,
  uploadFile,
  waitForJobDone,
} from './support';

/**
 * `npm run bench:export -- --rows 10000000`: publishes a purchase history of that many rows and a catalogue of
 * 50,000 products with 20 data columns, then times the download of the published history, a full product export
 * and one customer's product export, each beside `psql \copy (same query) to stdout` of the same rows.
 */
const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' } } });
const ROWS = Number(values.rows);
const PRODUCTS = 50_000;

function productsFile(file: string) {
  const cols = Array.from({ length: 20 }, (_, i) => `attr ${i + 1}`);
  let out = `sku,name,${cols.join(',')}\n`;
  for (let p = 0; p < PRODUCTS; p++) {
    const code = `SKU-${String(p).padStart(6, '0')}`;
    out += `${code},"Product ${p}, 6 x 1 kg",${cols.map((_, i) => `v${(p * (i + 3)) % 997}`).join(',')}\n`;
  }
  fs.writeFileSync(file, out);
}

/** The SELECT inside a `COPY (…) TO STDOUT`, for psql to run the same query. */
const selectOf = (copy: string) => /^COPY \((.*)\) TO STDOUT/s.exec(copy.replace(/\s+/g, ' '))![1]!;

/** psql's \\copy of the same SELECT the product runs, to /dev/null. */
const psqlSeconds = (w: BenchWorld, query: string) => {
  const t = process.hrtime.bigint();
  execFileSync('psql', [
    '-q',
    w.databaseUrl,
    '-c',
    `\\copy (${query.replace(/\s+/g, ' ')}) TO '/dev/null' WITH (FORMAT csv, HEADER)`,
  ]);
  return seconds(t);
};

async function timed<T>(work: () => Promise<T>) {
  const t = process.hrtime.bigint();
  const value = await work();
  return { value, s: seconds(t) };
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-export-'));
  const w = await benchWorld('export');
  try {
    const products = path.join(dir, 'products.csv');
    productsFile(products);
    await waitForJobDone(w, await uploadFile(w, '/v1/imports/products', products));
    const history = path.join(dir, 'history.csv');
    await generatePurchaseHistory(history, ROWS, Math.max(10, Math.round(ROWS / 50)), PRODUCTS);
    const ph = await waitForJobDone(w, await uploadFile(w, '/v1/purchase-histories', history));
    if (ph.state !== 'succeeded') throw new Error(`purchase history ${ph.state}`);
    w.psql('CHECKPOINT');
    const auth = { Authorization: `Bearer ${w.token}` };
    const base = `http://127.0.0.1:${w.port}`;

    // 1. The published history as CSV.
    const version = ph.counts.version!;
    const dl = await timed(async () => {
      const res = await fetch(`${base}/v1/purchase-histories/current/file`, { headers: auth });
      let bytes = 0;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
      return bytes;
    });
    const dlPsql = psqlSeconds(w, selectOf(versionCsvCopy(String(version))));

    // 2. Every product, 20 data columns.
    const exportJob = async (body: object) => {
      const res = await fetch(`${base}/v1/exports`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      const { jobId } = (await res.json()) as { jobId: string };
      return waitForJobDone(w, jobId);
    };
    const all = await timed(() => exportJob({ kind: 'products' }));
    const allPsql = psqlSeconds(w, await productExportQuery(w.ds, w.accountId));

    // 3. One customer's products (the "Download CSV" with a customer selected).
    const one = await timed(() => exportJob({ kind: 'products', customerRef: 'C0000042' }));
    const onePsql = psqlSeconds(w, await productExportQuery(w.ds, w.accountId, 'C0000042'));

    const row = (label: string, rows: number, s: number, psqlS: number) =>
      console.log(
        `${label.padEnd(34)} ${fmt(rows).padStart(11)} ${s.toFixed(2).padStart(8)} ${fmt(rows / s).padStart(11)} ${psqlS.toFixed(2).padStart(8)} ${fmt(rows / psqlS).padStart(11)} ${(s / psqlS).toFixed(2).padStart(6)}x`,
      );
    console.log(`\nexports (purchase history ${fmt(ROWS)} rows, ${fmt(PRODUCTS)} products x 20 data columns)`);
    console.log(
      `${'what'.padEnd(34)} ${'rows'.padStart(11)} ${'hub s'.padStart(8)} ${'hub rows/s'.padStart(11)} ${'psql s'.padStart(8)} ${'psql rows/s'.padStart(11)}  ratio`,
    );
    row('published history download', ph.counts.rows!, dl.s, dlPsql);
    row('all products export (job)', all.value.counts.rows!, all.s, allPsql);
    row('one customer export (job)', one.value.counts.rows!, one.s, onePsql);
    console.log(
      '(a job time includes queueing, counting and writing the file to the store; targets ≤ 1.5x for the large exports, one customer well under 1 s)',
    );
  } finally {
    await w.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
