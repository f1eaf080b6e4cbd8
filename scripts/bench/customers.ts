import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import ExcelJS from 'exceljs';
import {
  type BenchWorld,
  benchWorld,
  fmt,
  median,
  peakRssMb,
  seconds,
  uploadFile,
  waitForJobDone,
  writeLines,
} from './support';

/**
 * `npm run bench:customers -- --rows 1000000`: customer profile import (all new, then all existing with 10%
 * changed) and export through the API, each beside psql \copy of the same rows in the same run, with the ratios
 * and the worker's peak RSS. `--xlsx` also re-imports the rows from a workbook with shared strings, as Excel
 * saves one (10% changed back), and exports them as XLSX. `--repeat N` runs N re-import pairs (psql, then Customer
 * Hub), each file changing 10% of what the one before left, and as many export pairs, and prints each and their
 * medians: psql's own time for the same file wandered from 2.6 to 4.9 s on one machine in one day.
 */
const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    xlsx: { type: 'boolean', default: false },
    repeat: { type: 'string', default: '1' },
  },
});
const ROWS = Number(values.rows);
const REPEAT = Math.max(1, Number(values.repeat));
const HEADER =
  'customer_number,type,name,contact_name,email,phone,customer_group,labels,delivery_days,cutoff_time,portal_access,' +
  'billing_line1,billing_city,billing_postcode,billing_country,contact1_name,contact1_email,contact1_phones,custom:route';
const GROUPS = ['TRADE', 'RETAIL', 'HORECA', 'EXPORT', 'STAFF'];
const CITIES = ['Leeds', 'Bristol', 'Glasgow', 'Cardiff', 'Belfast', 'York', 'Bath', 'Derby'];
const DAYS = ['mon', 'mon|thu', 'tue|fri', 'wed', 'mon|wed|fri', ''];
const TEXT_COLUMNS = HEADER.split(',')
  .map((_, i) => `c${i} text`)
  .join(', ');

/** One customer's cells; `changed` alters two of them, as a re-import with edits would. */
function cells(i: number, changed: boolean): string[] {
  const n = `C${String(i).padStart(8, '0')}`;
  const city = CITIES[i % CITIES.length]!;
  const name = changed ? `Renamed Foods ${i} Ltd` : `Foods ${i} Ltd`;
  const phone = changed
    ? `+44 20 7946 ${String(i % 10_000).padStart(4, '0')}`
    : `0113 496 ${String(i % 10_000).padStart(4, '0')}`;
  return [
    n,
    i % 10 === 0 ? 'consumer' : 'business',
    name,
    `Buyer ${i}`,
    `orders${i}@example.com`,
    phone,
    GROUPS[i % GROUPS.length]!,
    i % 3 === 0 ? 'vip|north' : 'south',
    DAYS[i % DAYS.length]!,
    i % 4 === 0 ? '16:00' : '',
    i % 2 === 0 ? 'true' : 'false',
    `${i} High Street, Unit ${i % 50}`,
    city,
    `LS${i % 30} ${i % 9}AB`,
    'GB',
    `Contact ${i}`,
    `contact${i}@example.com`,
    `0113 ${i % 1000}|07700 ${i % 100_000}`,
    `R${i % 40}`,
  ];
}

const line = (i: number, changed: boolean) =>
  cells(i, changed)
    .map((c) => (c.includes(',') ? `"${c}"` : c))
    .join(',');

const generate = (file: string, changedEvery: number) =>
  writeLines(file, HEADER, ROWS, (i) => line(i, changedEvery > 0 && i % changedEvery === 0));

/**
 * psql \copy of the file into a table of as many text columns: the issue's baseline. With `keep`, the table stays
 * for {@link copyIntoCustomersShape}, which drops it.
 */
function copyBaseline(w: BenchWorld, file: string, keep = false): number {
  w.psql('DROP TABLE IF EXISTS baseline');
  w.psql(`CREATE TABLE baseline (${TEXT_COLUMNS})`);
  w.psql('CHECKPOINT');
  const t = process.hrtime.bigint();
  w.psql(`\\copy baseline FROM '${file}' WITH (FORMAT csv, HEADER)`);
  const s = seconds(t);
  if (!keep) w.psql('DROP TABLE baseline');
  w.psql('CHECKPOINT');
  return s;
}

/** The file's rows as the customers table holds them: group resolved, lists as arrays, address and contact as JSON. */
const RESOLVED = {
  columns:
    'id, account_id, customer_number, type, name, contact_name, email, phone, group_id, labels, delivery_days, ' +
    'cutoff_enabled, cutoff_time, portal_access, billing_address, contacts, custom_fields',
  select: (accountId: string) =>
    `SELECT uuid_v7(), '${accountId}', c0, c1, c2, c3, c4, c5, g.id, string_to_array(c7, '|'), ` +
    `string_to_array(NULLIF(c8, ''), '|'), c9 IS NOT NULL, c9::time, c10::boolean, ` +
    `jsonb_build_object('line1', c11, 'city', c12, 'postcode', c13, 'country', c14), ` +
    `jsonb_build_array(jsonb_build_object('name', c15, 'email', c16, 'phones', to_jsonb(string_to_array(c17, '|')))), ` +
    `jsonb_build_object('route', c18) ` +
    `FROM baseline LEFT JOIN customer_groups g ON g.account_id = '${accountId}' AND g.code = c6`,
};

/**
 * What Postgres itself takes to write these rows where they live: psql \copy of the same rows, already in the
 * customers table's own columns (made by SQL beforehand, untimed, from the baseline table copyBaseline kept),
 * into a table made like customers,
 * with its columns, checks, keys, indexes and foreign keys. The import does that and reads, checks and resolves
 * every row, and keeps each row's digest for the next re-import; this copy does none of it.
 */
function copyIntoCustomersShape(w: BenchWorld, file: string): number {
  const resolved = `${file}.resolved.csv`;
  w.psql('DROP TABLE IF EXISTS customers_shape');
  w.psql(`\\copy (${RESOLVED.select(w.accountId)}) TO '${resolved}' WITH (FORMAT csv)`);
  w.psql('DROP TABLE baseline');
  w.psql('CREATE TABLE customers_shape (LIKE customers INCLUDING ALL)');
  w.psql(
    `DO $$ DECLARE fk text; BEGIN
       FOR fk IN SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'customers'::regclass AND contype = 'f'
       LOOP EXECUTE 'ALTER TABLE customers_shape ADD ' || fk; END LOOP;
     END $$`,
  );
  w.psql('CHECKPOINT');
  const t = process.hrtime.bigint();
  w.psql(`\\copy customers_shape (${RESOLVED.columns}) FROM '${resolved}' WITH (FORMAT csv)`);
  const s = seconds(t);
  w.psql('DROP TABLE customers_shape');
  fs.rmSync(resolved, { force: true });
  w.psql('CHECKPOINT');
  return s;
}

/** The rows as a workbook with shared strings (every cell text), written as a stream. */
async function generateXlsx(file: string, changedEvery: number) {
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true, useStyles: false });
  const sheet = book.addWorksheet('customers');
  sheet.addRow(HEADER.split(',')).commit();
  for (let i = 0; i < ROWS; i++) sheet.addRow(cells(i, changedEvery > 0 && i % changedEvery === 0)).commit();
  sheet.commit();
  await book.commit();
}

async function timedImport(w: BenchWorld, file: string) {
  const t = process.hrtime.bigint();
  const jobId = await uploadFile(w, `/v1/imports/customers?fileName=${path.basename(file)}`, file);
  const job = await waitForJobDone(w, jobId);
  if (job.state !== 'succeeded') throw new Error(`import ${job.state}: ${JSON.stringify(job.error)}`);
  return { s: seconds(t), counts: job.counts };
}

async function timedExport(w: BenchWorld, format: 'csv' | 'xlsx') {
  const t = process.hrtime.bigint();
  const res = await fetch(`http://127.0.0.1:${w.port}/v1/exports`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${w.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ kind: 'customers', format }),
  });
  const { jobId } = (await res.json()) as { jobId: string };
  const job = await waitForJobDone(w, jobId);
  if (job.state !== 'succeeded') throw new Error(`export ${job.state}: ${JSON.stringify(job.error)}`);
  return seconds(t);
}

const row = (what: string, s: number, base: number, target: string) =>
  console.log(
    `${what.padEnd(34)} ${s.toFixed(1).padStart(7)}  ${fmt(ROWS / s).padStart(10)}   psql ${base.toFixed(1).padStart(5)} s  ` +
      `${fmt(ROWS / base).padStart(10)}/s   ratio ${(s / base).toFixed(2)}x (target ≤ ${target})`,
  );

async function main() {
  const fresh = path.join(os.tmpdir(), `customers-${ROWS}.csv`);
  const edited = path.join(os.tmpdir(), `customers-${ROWS}-edited.csv`);
  const workbook = path.join(os.tmpdir(), `customers-${ROWS}.xlsx`);
  process.stdout.write(`generating ${fmt(ROWS)} customers… `);
  await generate(fresh, 0);
  await generate(edited, 10);
  process.stdout.write('done\n');
  const w = await benchWorld('customers');
  try {
    for (const g of GROUPS) {
      await w.ds.query('INSERT INTO customer_groups (account_id, code, name) VALUES ($1, $2, $2)', [w.accountId, g]);
    }
    const newBase = copyBaseline(w, fresh, true);
    const shapedBase = copyIntoCustomersShape(w, fresh);
    w.psql('CHECKPOINT');
    const created = await timedImport(w, fresh);
    // Each re-import changes 10% of the customers back and forth: the edited file, then the fresh one, and so on.
    const reimports: { base: number; s: number; counts: Record<string, number> }[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const file = i % 2 === 0 ? edited : fresh;
      const base = copyBaseline(w, file);
      w.psql('CHECKPOINT');
      reimports.push({ base, ...(await timedImport(w, file)) });
      w.psql('CHECKPOINT');
    }
    let fromXlsx: Awaited<ReturnType<typeof timedImport>> | null = null;
    if (values.xlsx) {
      process.stdout.write('writing the workbook… ');
      await generateXlsx(workbook, REPEAT % 2 === 1 ? 0 : 10);
      process.stdout.write('done\n');
      fromXlsx = await timedImport(w, workbook);
      w.psql('CHECKPOINT');
    }
    const out = path.join(os.tmpdir(), `customers-${ROWS}-baseline-export.csv`);
    // As many export pairs as re-import pairs (psql, then Customer Hub), for a median as steady as theirs.
    const exports: { base: number; s: number }[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const t = process.hrtime.bigint();
      w.psql(
        `\\copy (SELECT * FROM customers WHERE account_id = '${w.accountId}' ORDER BY customer_number) TO '${out}' WITH (FORMAT csv, HEADER)`,
      );
      const base = seconds(t);
      fs.rmSync(out, { force: true });
      exports.push({ base, s: await timedExport(w, 'csv') });
    }
    const exportBase = exports[0]!.base;
    const exportXlsxS = values.xlsx ? await timedExport(w, 'xlsx') : null;

    const mb = fs.statSync(fresh).size / 1024 / 1024;
    console.log(
      `\ncustomer profiles, ${fmt(ROWS)} rows (${mb.toFixed(0)} MB CSV, ${HEADER.split(',').length} columns)`,
    );
    console.log('                                   seconds      rows/s');
    row('import, all new', created.s, newBase, '4x');
    console.log(
      `  (psql \\copy of the same rows, resolved, into a table like customers with its keys, indexes and foreign ` +
        `keys: ${shapedBase.toFixed(1)} s = ${(shapedBase / newBase).toFixed(2)}x of the baseline; ` +
        `import / that = ${(created.s / shapedBase).toFixed(2)}x)`,
    );
    console.log(`  counts ${JSON.stringify(created.counts)}`);
    reimports.forEach((r, i) => {
      row(`re-import, 10% changed${REPEAT > 1 ? ` (run ${i + 1})` : ''}`, r.s, r.base, '6x');
      console.log(`  counts ${JSON.stringify(r.counts)}`);
    });
    if (REPEAT > 1) {
      const ratios = reimports.map((r) => r.s / r.base);
      console.log(
        `  median of ${REPEAT} re-imports: psql ${median(reimports.map((r) => r.base)).toFixed(1)} s, ` +
          `Customer Hub ${median(reimports.map((r) => r.s)).toFixed(1)} s, ratio ${median(ratios).toFixed(2)}x ` +
          `(runs ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}x; target ≤ 6x)`,
      );
    }
    if (fromXlsx) {
      const xmb = fs.statSync(workbook).size / 1024 / 1024;
      row(`re-import from XLSX (${xmb.toFixed(0)} MB)`, fromXlsx.s, reimports[0]!.base, 'none set');
      console.log(`  counts ${JSON.stringify(fromXlsx.counts)}`);
    }
    for (const [i, e] of exports.entries()) {
      row(`export (CSV)${REPEAT > 1 ? ` (run ${i + 1})` : ''}`, e.s, e.base, '2x');
    }
    if (REPEAT > 1) {
      const ratios = exports.map((e) => e.s / e.base);
      console.log(
        `  median of ${REPEAT} exports: psql ${median(exports.map((e) => e.base)).toFixed(1)} s, ` +
          `Customer Hub ${median(exports.map((e) => e.s)).toFixed(1)} s, ratio ${median(ratios).toFixed(2)}x ` +
          `(runs ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}x; target ≤ 2x)`,
      );
    }
    if (exportXlsxS !== null) row('export (XLSX)', exportXlsxS, exportBase, 'none set');
    console.log(
      `peak RSS: worker ${peakRssMb(w.worker.pid!).toFixed(0)} MB (target < 300), API ${peakRssMb(w.api.pid!).toFixed(0)} MB`,
    );
  } finally {
    await w.close();
    fs.rmSync(fresh, { force: true });
    fs.rmSync(edited, { force: true });
    fs.rmSync(workbook, { force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
